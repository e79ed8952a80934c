/* podwall's HTML report: the graph (Cytoscape.js + fcose), the matrix heatmap (canvas), filters and details.
 * Data: the JSON in #podwall-data, written by podwall.render.html.builder. No network, no storage. */
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('podwall-data').textContent);
  var LIM = DATA.limits;

  // --- data -----------------------------------------------------------------------------------
  var nodes = DATA.nodes.map(function (n, i) {
    return { i: i, id: n[0], role: n[1], label: n[2], kind: n[3], ns: n[4], unprotected: n[5], ports: n[6], name: n[7] };
  });
  var conns = DATA.conns.map(function (c) { return { text: c[0], iv: c[1] }; });
  var edges = DATA.edges.map(function (e) { return { s: e[0], d: e[1], c: e[2], change: e[3] || null }; });
  // podwall diff's report: its changed pairs by edge index ([edge, change, before, after, gained, lost, reasons, ends])
  var DIFF = DATA.diff || null;
  var pairOf = new Map();
  if (DIFF) { DIFF.pairs.forEach(function (p) { pairOf.set(p[0], p); }); }
  var outOf = nodes.map(function () { return []; });
  var into = nodes.map(function () { return []; });
  var pairEdge = new Map();
  edges.forEach(function (e, k) { outOf[e.s].push(k); into[e.d].push(k); pairEdge.set(e.s + ',' + e.d, k); });
  var workloads = nodes.filter(function (n) { return n.role === 'workload'; });
  var namespaces = Array.from(new Set(workloads.map(function (n) { return n.ns; }))).sort();
  var byNs = new Map(namespaces.map(function (ns) { return [ns, []]; }));
  workloads.forEach(function (n) { byNs.get(n.ns).push(n); });
  var allConns = conns.map(function (c) { return c.text === 'All Connections'; });

  var state = {
    hiddenNs: new Set(), port: null, search: '', selected: null, pair: null,
    aggregated: DATA.by === 'namespace' ||
      (DATA.by !== 'workload' && (workloads.length > LIM.graph || edges.length > LIM.edges)),
    expanded: new Set()
  };
  if (!state.aggregated) { namespaces.forEach(function (ns) { state.expanded.add(ns); }); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // --- ports ------------------------------------------------------------------------------------
  /* "8080", "8080/TCP", "udp-53", "UDP 53" -> {proto|null, port}; null when empty or not a port. */
  function parsePort(text) {
    var t = text.trim().toUpperCase();
    if (!t) { return null; }
    var m = t.match(/^(\d+)(?:\s*\/\s*(TCP|UDP|SCTP))?$/) || t.match(/^(TCP|UDP|SCTP)[\s\-](\d+)$/);
    if (!m) { return { invalid: true }; }
    var port = /^\d/.test(m[1]) ? +m[1] : +m[2];
    var proto = /^\d/.test(m[1]) ? (m[2] || null) : m[1];
    return { proto: proto, port: port };
  }
  function connHas(ci, f) {
    return conns[ci].iv.some(function (iv) {
      return (!f.proto || iv[0] === f.proto) && iv[1] <= f.port && f.port <= iv[2];
    });
  }
  function edgePasses(k) { return !state.port || state.port.invalid || connHas(edges[k].c, state.port); }

  // --- graph ------------------------------------------------------------------------------------
  var cy = null;
  function home(n) { return n.role === 'workload' && !state.expanded.has(n.ns) ? 'ns:' + n.ns : n.id; }

  /* Box sizes from the label (Cytoscape's 'label' width is deprecated). */
  function sized(data) {
    var lines = String(data.label).split('\n');
    var perChar = data.role === 'namespace' || data.role === 'namespace-box' ? 7.4 : 6.8;  // 11px and 10px fonts
    data.w = Math.max.apply(null, lines.map(function (t) { return t.length; })) * perChar + 20;
    data.h = lines.length * 13 + 12;
    return data;
  }

  function elements() {
    var els = [];
    namespaces.forEach(function (ns) {
      var members = byNs.get(ns);
      if (state.expanded.has(ns)) {
        els.push({ group: 'nodes', data: sized({ id: 'ns:' + ns, label: ns, role: 'namespace-box', ns: ns }) });
        members.forEach(function (n) {
          els.push({ group: 'nodes', classes: n.unprotected.length ? 'unprotected' : '',
            data: sized({ id: n.id, parent: 'ns:' + ns, label: n.label, role: 'workload', ns: ns, idx: n.i }) });
        });
      } else {
        var open = members.filter(function (n) { return n.unprotected.length; }).length;
        els.push({ group: 'nodes', classes: open ? 'unprotected' : '',
          data: sized({ id: 'ns:' + ns, role: 'namespace', ns: ns,
                  label: ns + '\n' + members.length + ' workload' + (members.length === 1 ? '' : 's') +
                         (open ? ', ' + open + ' unprotected' : '') }) });
      }
    });
    nodes.forEach(function (n) {
      if (n.role !== 'workload') {
        els.push({ group: 'nodes', data: sized({ id: n.id, label: n.label, role: n.role, ns: '', idx: n.i }) });
      }
    });
    var folded = new Map();
    edges.forEach(function (e, k) {
      var a = home(nodes[e.s]), b = home(nodes[e.d]);
      if (a === b) { return; }
      var key = a + '\u0000' + b;
      if (!folded.has(key)) { folded.set(key, { a: a, b: b, members: [] }); }
      folded.get(key).members.push(k);
    });
    var few = folded.size <= 150;
    folded.forEach(function (f, key) {
      var changed = Array.from(new Set(f.members.map(function (k) { return edges[k].change; }).filter(Boolean)));
      var change = changed.length === 1 ? changed[0] : changed.length ? 'changed' : '';
      var label = f.members.length === 1 && nodes[edges[f.members[0]].s].id === f.a && nodes[edges[f.members[0]].d].id === f.b
        ? conns[edges[f.members[0]].c].text : f.members.length + ' flows';
      els.push({ group: 'edges', classes: (few ? 'labelled' : '') + (change ? ' ' + change : ''),
        data: { id: 'e:' + key, source: f.a, target: f.b, label: label, members: f.members } });
    });
    return els;
  }

  var STYLE = [
    { selector: 'node', style: { 'label': 'data(label)', 'font-size': 10, 'text-valign': 'center', 'text-halign': 'center',
      'text-wrap': 'wrap', 'shape': 'round-rectangle', 'background-color': '#eef3fb', 'border-color': '#4a6fa5',
      'border-width': 1.5, 'width': 'data(w)', 'height': 'data(h)', 'color': '#1f2933' } },
    { selector: 'node[role="namespace-box"]', style: { 'background-color': '#f5f7fa', 'border-color': '#9aa5b1',
      'text-valign': 'top', 'font-size': 12, 'font-weight': 'bold', 'padding': '12px', 'shape': 'round-rectangle' } },
    { selector: 'node[role="namespace"]', style: { 'background-color': '#e3ecf7', 'font-size': 11, 'padding': '10px' } },
    { selector: 'node[role="external"]', style: { 'shape': 'rhomboid', 'background-color': '#f4f4f4', 'border-color': '#888' } },
    { selector: 'node[role="ingress-controller"]', style: { 'shape': 'hexagon', 'background-color': '#f4f4f4', 'border-color': '#888' } },
    { selector: 'node.unprotected', style: { 'border-color': '#c0392b', 'border-style': 'dashed', 'border-width': 2.5,
      'background-color': '#fdecea' } },
    { selector: 'edge', style: { 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 1.4,
      'line-color': '#8a99ad', 'target-arrow-color': '#8a99ad', 'arrow-scale': 0.8 } },
    { selector: 'edge.labelled', style: { 'label': 'data(label)', 'font-size': 8, 'text-rotation': 'autorotate',
      'text-background-color': '#fff', 'text-background-opacity': 0.85, 'color': '#52606d' } },
    { selector: 'edge.added', style: { 'line-color': '#2e7d32', 'target-arrow-color': '#2e7d32', 'width': 3, 'color': '#2e7d32' } },
    { selector: 'edge.removed', style: { 'line-color': '#c62828', 'target-arrow-color': '#c62828', 'width': 3,
      'line-style': 'dashed', 'color': '#c62828' } },
    { selector: 'edge.changed', style: { 'line-color': '#ef8f00', 'target-arrow-color': '#ef8f00', 'width': 3, 'color': '#b86e00' } },
    { selector: '.faded', style: { 'opacity': 0.15 } },
    { selector: 'edge.picked', style: { 'width': 6, 'label': 'data(label)', 'font-size': 10, 'z-index': 10,
      'text-background-color': '#fff', 'text-background-opacity': 0.9, 'text-rotation': 'autorotate' } },
    { selector: 'edge.hl', style: { 'line-color': '#e67e22', 'target-arrow-color': '#e67e22', 'width': 3, 'label': 'data(label)',
      'font-size': 9, 'text-rotation': 'autorotate', 'text-background-color': '#fff', 'text-background-opacity': 0.9, 'z-index': 10 } },
    { selector: 'node.selected', style: { 'border-color': '#e67e22', 'border-width': 4 } },
    { selector: 'node.match', style: { 'border-color': '#f1c40f', 'border-width': 5 } },
    { selector: '.hidden', style: { 'display': 'none' } }
  ];

  function layout(done) {
    var count = cy.nodes().length;
    var run = cy.layout({ name: 'fcose', quality: count > 400 ? 'draft' : 'default', randomize: true, animate: false,
      nodeDimensionsIncludeLabels: true, packComponents: true, idealEdgeLength: 150, nodeRepulsion: 60000,
      edgeElasticity: 0.1, gravity: 0.05, numIter: 5000, nodeSeparation: 80, tile: true, fit: true, padding: 20 });
    // Strong repulsion and weak edges: dense graphs (a namespace opened among many connections) otherwise
    // pull workloads on top of each other.
    if (done) { run.one('layoutstop', done); }
    run.run();
  }

  function drawGraph(done) {
    var container = document.getElementById('graph');
    if (!cy) {
      cy = cytoscape({ container: container, elements: elements(), style: STYLE,
        minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
      cy.on('tap', 'node', function (ev) { onNode(ev.target); });
      cy.on('tap', 'edge', function (ev) {
        var members = ev.target.data('members');
        if (members.length === 1 && pairOf.has(members[0])) { selectPair(members[0]); }
      });
      cy.on('tap', function (ev) { if (ev.target === cy) { select(null); } });
    } else {
      cy.batch(function () { cy.elements().remove(); cy.add(elements()); });
    }
    applyFilters();
    layout(function () {
      if (state.selected !== null) { highlight(state.selected); }
      if (state.pair !== null) { highlightPair(state.pair); }
      applySearch(false);
      if (done) { done(); }
    });
    var shown = workloads.filter(function (n) { return state.expanded.has(n.ns); }).length;
    document.getElementById('graph-note').textContent = state.aggregated
      ? workloads.length + ' workloads in ' + namespaces.length + ' namespaces: drawn by namespace (' + shown +
        ' workloads open); click a namespace to open it, click its box to close it'
      : workloads.length + ' workloads, ' + edges.length + ' connections';
    document.getElementById('expand-all').hidden = !state.aggregated || workloads.length > LIM.graph * 4;
  }

  function onNode(node) {
    var role = node.data('role');
    if (role === 'namespace') { state.expanded.add(node.data('ns')); drawGraph(); return; }
    if (role === 'namespace-box') {
      if (state.aggregated) { state.expanded.delete(node.data('ns')); drawGraph(); }
      return;
    }
    select(node.data('idx'));
  }

  // --- selection and details ----------------------------------------------------------------
  function flowText(k) {
    var e = edges[k];
    var text = nodes[e.s].id + ' => ' + nodes[e.d].id + ' : ';
    if (!e.change) { return text + conns[e.c].text; }
    var p = pairOf.get(k);  // podwall diff: the pair's change, as its row says it
    return text + (e.change === 'changed' ? p[2] + ' -> ' + p[3] : e.change + ' ' + conns[e.c].text);
  }

  function highlight(idx) {
    if (!cy) { return; }
    var mine = new Set(outOf[idx].concat(into[idx]));
    cy.batch(function () {
      cy.elements().removeClass('hl faded selected picked');
      if (idx === null) { return; }
      var keep = cy.collection();
      cy.edges().forEach(function (edge) {
        if (edge.data('members').some(function (k) { return mine.has(k); })) {
          edge.addClass('hl'); keep = keep.union(edge).union(edge.connectedNodes());
        }
      });
      var self = cy.getElementById(home(nodes[idx]));
      self.addClass('selected');
      keep = keep.union(self);
      keep = keep.union(keep.nodes().parents());
      cy.elements().difference(keep).addClass('faded');
    });
  }

  function select(idx) {
    state.selected = idx;
    state.pair = null;
    markRow(null);
    if (idx === null) {
      if (cy) { cy.elements().removeClass('hl faded selected picked'); }
      return;
    }
    highlight(idx);
    details(idx);
  }

  var exposureByNode = null;  // node index -> its exposure lines, indexed on the first click
  function exposureOf(idx) {
    if (!exposureByNode) {
      exposureByNode = new Map();
      DATA.exposure.lines.forEach(function (x) {
        if (!exposureByNode.has(x[0])) { exposureByNode.set(x[0], []); }
        exposureByNode.get(x[0]).push(x);
      });
    }
    return exposureByNode.get(idx) || [];
  }

  function details(idx) {
    var n = nodes[idx];
    var box = document.getElementById('details');
    box.textContent = '';
    box.appendChild(el('h3', { id: 'details-title' }, n.id));
    if (n.role === 'workload') {
      box.appendChild(el('p', { class: 'muted' }, n.kind + ' in ' + n.ns +
        (n.ports.length ? '; declares ' + n.ports.join(', ') : '; declares no container port')));
      if (n.unprotected.length) {
        box.appendChild(el('p', { class: 'note', id: 'details-unprotected' },
          'No policy protects it on ' + n.unprotected.join(' and ').toLowerCase() + '.'));
      }
    }
    var out = outOf[idx].slice(), inn = into[idx].slice();
    var all = out.concat(inn).sort(function (a, b) {
      var x = nodes[edges[a].s].id + '\u0000' + nodes[edges[a].d].id, y = nodes[edges[b].s].id + '\u0000' + nodes[edges[b].d].id;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    box.appendChild(el('h4', {}, 'Flows (' + out.length + ' out, ' + inn.length + ' in)'));
    var list = el('ul', { id: 'flows' });
    all.forEach(function (k) {
      var li = list.appendChild(el('li', { 'data-src': nodes[edges[k].s].id, 'data-dst': nodes[edges[k].d].id,
        'data-conns': conns[edges[k].c].text }, flowText(k)));
      if (edges[k].change) { li.setAttribute('data-change', edges[k].change); li.className = 'change ' + edges[k].change; }
    });
    if (!all.length) { list.appendChild(el('li', { class: 'none' }, 'no connection allowed, in or out')); }
    box.appendChild(list);
    var exposed = exposureOf(idx);
    if (exposed.length) {
      box.appendChild(el('h4', {}, 'Exposure beyond the input\u2019s pods'));
      var ex = el('ul', { id: 'exposure' });
      exposed.forEach(function (x) {
        ex.appendChild(el('li', {}, x[1] + ' ' + DATA.exposure.texts[x[2]] + ' : ' + DATA.exposure.texts[x[3]]));
      });
      box.appendChild(ex);
    }
    var findings = DATA.findings.filter(function (f) { return f[0] === n.name; });  // [object, severity, rule, message]
    if (findings.length) {
      box.appendChild(el('h4', {}, 'Lint findings'));
      var fl = el('ul', { id: 'details-findings' });
      findings.forEach(function (f) { fl.appendChild(el('li', {}, f[1] + ' ' + f[2] + ': ' + f[3])); });
      box.appendChild(fl);
    }
  }

  // --- podwall diff: a changed pair, its connections gained and lost and the reasons -------------
  function pairTitle(p) { return nodes[edges[p[0]].s].id + ' => ' + nodes[edges[p[0]].d].id; }

  function graphEdge(k) {  // the drawn edge that holds edge k (folded into a namespace's edge when closed)
    var found = null;
    if (cy) { cy.edges().forEach(function (edge) { if (!found && edge.data('members').indexOf(k) >= 0) { found = edge; } }); }
    return found;
  }

  function highlightPair(k) {
    if (!cy) { return; }
    var edge = graphEdge(k);
    cy.batch(function () {
      cy.elements().removeClass('hl faded selected picked');
      if (!edge) { return; }
      edge.addClass('picked');
      var keep = edge.union(edge.connectedNodes());
      keep = keep.union(keep.nodes().parents());
      cy.elements().difference(keep).addClass('faded');
    });
  }

  function markRow(k) {
    document.querySelectorAll('#changes tr.picked').forEach(function (tr) { tr.classList.remove('picked'); });
    if (k !== null) {
      var row = document.querySelector('#changes tr[data-edge="' + k + '"]');
      if (row) { row.classList.add('picked'); }
    }
  }

  function selectPair(k) {
    state.selected = null;
    state.pair = k;
    highlightPair(k);
    markRow(k);
    var p = pairOf.get(k);
    var box = document.getElementById('details');
    box.textContent = '';
    box.appendChild(el('h3', { id: 'details-title' }, pairTitle(p)));
    box.appendChild(el('p', { id: 'pair-change', class: p[1] }, p[1] + (p[7] || '')));
    var dl = box.appendChild(el('dl', {}));
    [['before', p[2]], ['after', p[3]], ['gained', p[4]], ['lost', p[5]]].forEach(function (x) {
      dl.appendChild(el('dt', {}, x[0]));
      dl.appendChild(el('dd', { id: 'pair-' + x[0] }, x[1]));
    });
    box.appendChild(el('h4', {}, 'Why'));
    var list = box.appendChild(el('ul', { id: 'pair-reasons' }));
    p[6].forEach(function (r) {  // [sign, connections, before, after]
      var li = list.appendChild(el('li', { 'data-change': r[0] === '+' ? 'gained' : 'lost', 'data-conns': r[1] }));
      li.appendChild(el('b', {}, r[0] + r[1]));
      li.appendChild(el('div', { class: 'before' }, 'before: ' + r[2]));
      li.appendChild(el('div', { class: 'after' }, 'after: ' + r[3]));
    });
    if (!p[6].length) { list.appendChild(el('li', { class: 'none' }, 'no reasons computed')); }
  }

  function buildChanges() {
    var body = document.querySelector('#changes tbody');
    if (!DIFF || !body) { return; }
    DIFF.pairs.forEach(function (p) {
      var tr = body.appendChild(el('tr', { 'data-edge': String(p[0]), class: p[1] }));
      tr.appendChild(el('td', { class: 'change ' + p[1] }, p[1]));
      tr.appendChild(el('td', {}, nodes[edges[p[0]].s].id));
      tr.appendChild(el('td', {}, nodes[edges[p[0]].d].id));
      tr.appendChild(el('td', {}, p[2]));
      tr.appendChild(el('td', {}, p[3]));
      tr.addEventListener('click', function () { selectPair(p[0]); });
    });
    if (!DIFF.pairs.length) {
      body.appendChild(el('tr', {})).appendChild(el('td', { colspan: '5', id: 'changes-none' }, 'No connection changes'));
    }
  }

  // --- filters and search ------------------------------------------------------------------
  function applyFilters() {
    if (cy) {
      cy.batch(function () {
        cy.nodes().forEach(function (node) {
          var ns = node.data('ns');
          node.toggleClass('hidden', !!ns && state.hiddenNs.has(ns));
        });
        cy.edges().forEach(function (edge) {
          edge.toggleClass('hidden', !edge.data('members').some(edgePasses));
        });
      });
    }
    drawMatrix();
  }

  function applySearch(fit) {
    if (!cy) { return; }
    var q = state.search.trim().toLowerCase();
    var hits = cy.collection();
    cy.batch(function () {
      cy.nodes().removeClass('match');
      if (!q) { return; }
      nodes.forEach(function (n) {
        if (n.id.toLowerCase().indexOf(q) >= 0) { hits = hits.union(cy.getElementById(home(n))); }
      });
      hits.addClass('match');
    });
    if (fit && hits.length) { cy.fit(hits, 60); }
  }

  function buildFilters() {
    var box = document.getElementById('ns-filter');
    namespaces.forEach(function (ns) {
      var label = el('label', {});
      var input = el('input', { type: 'checkbox', 'data-ns': ns });
      input.checked = true;
      input.addEventListener('change', function () {
        if (input.checked) { state.hiddenNs.delete(ns); } else { state.hiddenNs.add(ns); }
        applyFilters();
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + ns + ' (' + byNs.get(ns).length + ')'));
      box.appendChild(label);
    });
    var port = document.getElementById('port-filter');
    port.addEventListener('input', function () {
      state.port = parsePort(port.value);
      port.setCustomValidity(state.port && state.port.invalid ? 'a port: 8080, 53/UDP or udp-53' : '');
      applyFilters();
    });
    var search = document.getElementById('search');
    search.addEventListener('input', function () { state.search = search.value; applySearch(false); });
    search.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { applySearch(true); } });
    document.getElementById('fit').addEventListener('click', function () { if (cy) { cy.fit(undefined, 20); } });
    document.getElementById('expand-all').addEventListener('click', function () {
      namespaces.forEach(function (ns) { state.expanded.add(ns); });
      drawGraph();
    });
  }

  // --- matrix -----------------------------------------------------------------------------------
  var canvas = document.getElementById('matrix');
  var tip = document.getElementById('tooltip');
  var M = { level: null, rows: [], cols: [], cell: 10, left: 0, top: 0, pair: null, pinned: false };
  var nsIndex = new Map(namespaces.map(function (ns, i) { return [ns, i]; }));
  var nsPairs = null;  // "a,b" -> [edge indexes between workloads of namespaces a and b]

  function namespacePairs() {
    if (nsPairs) { return nsPairs; }
    nsPairs = new Map();
    edges.forEach(function (e, k) {
      var s = nodes[e.s], d = nodes[e.d];
      if (s.role !== 'workload' || d.role !== 'workload') { return; }
      var key = nsIndex.get(s.ns) + ',' + nsIndex.get(d.ns);
      if (!nsPairs.has(key)) { nsPairs.set(key, []); }
      nsPairs.get(key).push(k);
    });
    return nsPairs;
  }

  function visibleWorkloads(ns) {
    return (ns === undefined ? workloads : byNs.get(ns)).filter(function (n) { return !state.hiddenNs.has(n.ns); });
  }

  function matrixItems() {
    var shown = visibleWorkloads();
    if (M.pair) {
      M.level = 'pair';
      M.rows = visibleWorkloads(M.pair[0]); M.cols = visibleWorkloads(M.pair[1]);
    } else if (shown.length > LIM.matrix) {
      M.level = 'namespaces';
      M.rows = M.cols = namespaces.filter(function (ns) { return !state.hiddenNs.has(ns); });
    } else {
      M.level = 'workloads';
      M.rows = M.cols = shown;
    }
  }

  /* 0 denied, 1 some ports, 2 all connections; namespaces: [allowed pairs, all pairs]. */
  function cellValue(r, c) {
    if (M.level === 'namespaces') {
      var a = M.rows[r], b = M.cols[c];
      var ks = (namespacePairs().get(nsIndex.get(a) + ',' + nsIndex.get(b)) || []).filter(edgePasses);
      var size = byNs.get(a).length * byNs.get(b).length - (a === b ? byNs.get(a).length : 0);
      return [ks.length, size];
    }
    var s = M.rows[r], d = M.cols[c];
    if (s.i === d.i) { return -1; }
    var k = pairEdge.get(s.i + ',' + d.i);
    if (k === undefined || !edgePasses(k)) { return 0; }
    return allConns[edges[k].c] ? 2 : 1;
  }

  function heat(fraction) {  // white-orange-red
    var r = 255, g = Math.round(243 - 174 * fraction), b = Math.round(224 - 159 * fraction);
    if (fraction > 0.5) { r = Math.round(255 - (255 - 214) * (fraction - 0.5) * 2); }
    return 'rgb(' + r + ',' + g + ',' + b + ')';
  }

  function drawMatrix() {
    if (!canvas) { return; }  // the diff report has no matrix
    matrixItems();
    var n = Math.max(M.rows.length, M.cols.length, 1);
    M.cell = Math.max(3, Math.min(34, Math.floor(900 / n)));
    var names = M.cell >= 9;
    M.left = names ? 260 : 140; M.top = names ? 240 : 110;
    var W = M.left + M.cols.length * M.cell + 2, H = M.top + M.rows.length * M.cell + 2;
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(W * ratio); canvas.height = Math.ceil(H * ratio);
    canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.fillStyle = '#fff'; g.fillRect(0, 0, W, H);
    g.font = '11px system-ui, sans-serif'; g.textBaseline = 'middle';
    for (var r = 0; r < M.rows.length; r++) {
      for (var c = 0; c < M.cols.length; c++) {
        var v = cellValue(r, c), x = M.left + c * M.cell, y = M.top + r * M.cell;
        if (M.level === 'namespaces') {
          g.fillStyle = v[0] ? heat(Math.min(1, v[0] / Math.max(1, v[1]))) : '#eef0f3';
        } else {
          g.fillStyle = v === -1 ? '#ffffff' : v === 2 ? '#d64541' : v === 1 ? '#f0a04b' : '#eef0f3';
        }
        g.fillRect(x, y, M.cell - (M.cell > 4 ? 1 : 0), M.cell - (M.cell > 4 ? 1 : 0));
      }
    }
    var label = function (item) { return M.level === 'namespaces' ? item : item.label; };
    var group = function (item) { return M.level === 'namespaces' ? item : item.ns; };
    g.fillStyle = '#1f2933';
    var groupBands = function (items, horizontal) {
      var start = 0;
      for (var i = 1; i <= items.length; i++) {
        if (i === items.length || group(items[i]) !== group(items[start])) {
          var mid = (start + i) / 2 * M.cell, ns = group(items[start]);
          g.save();
          g.strokeStyle = '#52606d'; g.lineWidth = 1;
          if (horizontal) {
            g.beginPath(); g.moveTo(M.left + i * M.cell - 0.5, M.top - 4); g.lineTo(M.left + i * M.cell - 0.5, H); g.stroke();
            if (M.level !== 'namespaces' || !names) {
              g.translate(M.left + mid, M.top - (names ? 130 : 8)); g.rotate(-Math.PI / 2);
              g.font = 'bold 11px system-ui, sans-serif';
              g.fillText(ns.length > 16 ? ns.slice(0, 15) + '\u2026' : ns, 0, 0);
            }
          } else {
            g.beginPath(); g.moveTo(M.left - 4, M.top + i * M.cell - 0.5); g.lineTo(W, M.top + i * M.cell - 0.5); g.stroke();
            if (M.level !== 'namespaces' || !names) {
              g.font = 'bold 11px system-ui, sans-serif';
              g.fillText(ns.length > 18 ? ns.slice(0, 17) + '\u2026' : ns, 4, M.top + mid);
            }
          }
          g.restore();
          start = i;
        }
      }
    };
    groupBands(M.rows, false); groupBands(M.cols, true);
    if (names) {
      g.font = '11px system-ui, sans-serif';
      M.rows.forEach(function (item, r) {
        var t = label(item); g.fillText(t.length > 20 ? t.slice(0, 19) + '\u2026' : t, M.level === 'namespaces' ? 4 : 130, M.top + (r + 0.5) * M.cell);
      });
      M.cols.forEach(function (item, c) {
        var t = label(item);
        g.save(); g.translate(M.left + (c + 0.5) * M.cell, M.top - 4); g.rotate(-Math.PI / 2);
        g.fillText(t.length > 22 ? t.slice(0, 21) + '\u2026' : t, 0, 0); g.restore();
      });
    }
    document.getElementById('matrix-back').hidden = !M.pair;
    document.getElementById('matrix-note').textContent = M.level === 'namespaces'
      ? namespaces.length + ' namespaces (more than ' + LIM.matrix + ' workloads): colour = share of workload pairs allowed; click a cell for its workloads'
      : M.level === 'pair' ? M.pair[0] + ' \u2192 ' + M.pair[1] + ': workloads' : M.rows.length + ' workloads';
  }

  function cellAt(ev) {
    var box = canvas.getBoundingClientRect();
    var c = Math.floor((ev.clientX - box.left - M.left) / M.cell), r = Math.floor((ev.clientY - box.top - M.top) / M.cell);
    if (r < 0 || c < 0 || r >= M.rows.length || c >= M.cols.length) { return null; }
    return [r, c];
  }

  function quoteArg(text) { return /^[\w.\/\-:{}]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'"; }
  function explainCommand(s, d, port) {
    return DATA.explain_command + ' ' + quoteArg(s.name) + ' ' + quoteArg(d.name) + ' ' + (port || 'PORT');
  }

  function tipContent(r, c) {
    var box = el('div', {});
    if (M.level === 'namespaces') {
      var v = cellValue(r, c);
      box.appendChild(el('div', { class: 'head' }, M.rows[r] + ' \u2192 ' + M.cols[c]));
      box.appendChild(el('div', {}, v[0] + ' of ' + v[1] + ' workload pairs may connect' + (state.port ? ' on that port' : '') +
        '. Click to see the workloads.'));
      return box;
    }
    var s = M.rows[r], d = M.cols[c];
    box.setAttribute('data-src', s.id); box.setAttribute('data-dst', d.id);
    box.appendChild(el('div', { class: 'head' }, s.id + ' \u2192 ' + d.id));
    if (s.i === d.i) { box.appendChild(el('div', {}, 'a workload may always reach itself')); return box; }
    var k = pairEdge.get(s.i + ',' + d.i);
    box.appendChild(el('div', { class: k === undefined ? 'denied' : 'allowed', id: 'tip-conns' },
      k === undefined ? 'No connection allowed' : 'Allowed: ' + conns[edges[k].c].text));
    var cell = DATA.explain.cells[s.i + ',' + d.i];
    if (cell) {
      cell.forEach(function (x) {
        box.appendChild(el('pre', { class: 'explain', 'data-port': x[0] }, DATA.explain.texts[x[1]]));
      });
    } else {
      box.appendChild(el('p', { class: 'muted' }, DATA.explain.missing ||
        (d.ports.length ? '' : d.id + ' declares no container port; explain a port with:')));
      box.appendChild(el('pre', { class: 'command' }, explainCommand(s, d, d.ports[0])));
    }
    return box;
  }

  function showTip(ev, cell) {
    tip.textContent = '';
    tip.appendChild(tipContent(cell[0], cell[1]));
    tip.hidden = false;
    var x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    var y = ev.clientY + 14;
    if (y + tip.offsetHeight > window.innerHeight - 8) { y = Math.max(8, ev.clientY - tip.offsetHeight - 14); }
    tip.style.left = Math.max(8, x) + 'px'; tip.style.top = y + 'px';
  }

  if (canvas) {
  canvas.addEventListener('mousemove', function (ev) {
    if (M.pinned) { return; }
    var cell = cellAt(ev);
    if (!cell) { tip.hidden = true; return; }
    showTip(ev, cell);
  });
  canvas.addEventListener('mouseleave', function () { if (!M.pinned) { tip.hidden = true; } });
  canvas.addEventListener('click', function (ev) {
    var cell = cellAt(ev);
    if (!cell) { M.pinned = false; tip.classList.remove('pinned'); tip.hidden = true; return; }
    if (M.level === 'namespaces') {
      M.pair = [M.rows[cell[0]], M.cols[cell[1]]]; M.pinned = false; tip.hidden = true; drawMatrix(); return;
    }
    M.pinned = !M.pinned;
    tip.classList.toggle('pinned', M.pinned);
    showTip(ev, cell);
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { M.pinned = false; tip.classList.remove('pinned'); tip.hidden = true; }
  });
  document.getElementById('matrix-back').addEventListener('click', function () { M.pair = null; drawMatrix(); });
  }

  // --- lint findings, grouped by rule; a group's rows are built when it is opened --------------
  var SEVERITY = { error: 0, warning: 1, info: 2 };
  function findingsTable(rows) {
    var table = el('table', {});
    var head = el('tr', {});
    var delta = rows.length && rows[0].length > 8;  // podwall diff: [.., change] introduced or fixed
    (delta ? ['change'] : []).concat(['severity', 'object', 'finding', 'fix']).forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(el('thead', {})).appendChild(head);
    var body = table.appendChild(el('tbody', {}));
    rows.forEach(function (f) {
      var tr = body.appendChild(el('tr', { class: f[1], 'data-rule': f[2] }));
      if (delta) { tr.setAttribute('data-change', f[8]); tr.appendChild(el('td', { class: 'delta' }, f[8])); }
      tr.appendChild(el('td', { class: 'sev' }, f[1]));
      var where = tr.appendChild(el('td', {}, f[0]));
      if (f[6]) { where.appendChild(el('br', {})); where.appendChild(el('span', { class: 'muted' }, f[6] + (f[7] ? ':' + f[7] : ''))); }
      tr.appendChild(el('td', {}, f[4]));
      tr.appendChild(el('td', {})).appendChild(el('pre', {}, f[5]));
    });
    return table;
  }
  function buildFindings() {
    var box = document.getElementById('findings');
    if (!DATA.findings.length) {
      box.appendChild(el('p', { id: 'findings-none' }, DIFF ? DIFF.lint_none : 'No findings from ' + DATA.rules + ' rules.'));
      return;
    }
    var groups = new Map();
    DATA.findings.forEach(function (f) {
      if (!groups.has(f[2])) { groups.set(f[2], []); }
      groups.get(f[2]).push(f);
    });
    var order = Array.from(groups.keys()).sort(function (a, b) {
      var x = SEVERITY[groups.get(a)[0][1]], y = SEVERITY[groups.get(b)[0][1]];
      return x !== y ? x - y : a < b ? -1 : 1;
    });
    var small = DATA.findings.length <= 200;
    order.forEach(function (rule) {
      var rows = groups.get(rule), first = rows[0];
      var group = box.appendChild(el('details', { class: 'rule ' + first[1], 'data-rule': rule }));
      group.appendChild(el('summary', {}, first[1] + ' ' + rule + ' ' + first[3] + ' \u2014 ' + rows.length +
        ' finding' + (rows.length === 1 ? '' : 's')));
      var built = false;
      var build = function () { if (!built) { built = true; group.appendChild(findingsTable(rows)); } };
      group.addEventListener('toggle', build);
      if (small) { group.open = true; build(); }
    });
  }

  // --- test and automation hooks (read-only views of the page's state) ---------------------
  function centreOf(rect, x, y) {
    var px = rect.left + x, py = rect.top + y;
    return { x: px, y: py };
  }
  var api = {
    cy: function () { return cy; },
    state: state,
    matrixLevel: function () { return M.level; },
    /* Viewport coordinates of a node's centre (scrolled into view), for a real mouse click. */
    nodePoint: function (id) {
      document.getElementById('graph').scrollIntoView({ block: 'center' });
      cy.resize();  // Cytoscape caches the container's position until the scroll event arrives: refresh it now
      var p = cy.getElementById(id).renderedPosition();
      return centreOf(document.getElementById('graph').getBoundingClientRect(), p.x, p.y);
    },
    /* Viewport coordinates of the middle of the drawn edge from one node to another, for a real mouse click. */
    edgePoint: function (source, target) {
      document.getElementById('graph').scrollIntoView({ block: 'center' });
      cy.resize();
      var edge = cy.edges().filter(function (e) { return e.source().id() === source && e.target().id() === target; });
      if (!edge.length) { return null; }
      // The middle, or the first point along the curve where a tap finds this edge: with a random layout
      // another edge's label may lie on its middle, and a tap there picks that edge.
      var e = edge[0], m = e.renderedMidpoint(), a = e.renderedSourceEndpoint(), b = e.renderedTargetEndpoint();
      var pan = cy.pan(), zoom = cy.zoom();
      var cx = 2 * m.x - (a.x + b.x) / 2, cyy = 2 * m.y - (a.y + b.y) / 2;  // its bezier's control point
      var p = m;
      [0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75].some(function (t) {
        var u = 1 - t;
        var q = { x: u * u * a.x + 2 * u * t * cx + t * t * b.x, y: u * u * a.y + 2 * u * t * cyy + t * t * b.y };
        var hit = cy.renderer().findNearestElement((q.x - pan.x) / zoom, (q.y - pan.y) / zoom, true, false);
        if (hit && hit.same(e)) { p = q; return true; }
        return false;
      });
      return centreOf(document.getElementById('graph').getBoundingClientRect(), p.x, p.y);
    },
    /* Viewport coordinates of a matrix cell's centre (scrolled into view), for a real mouse move. */
    cellPoint: function (rowId, colId) {
      var key = function (item) { return typeof item === 'string' ? item : item.id; };
      var r = M.rows.map(key).indexOf(rowId), c = M.cols.map(key).indexOf(colId);
      if (r < 0 || c < 0) { return null; }
      var x = M.left + (c + 0.5) * M.cell, y = M.top + (r + 0.5) * M.cell;
      var wrap = document.getElementById('matrix-wrap');
      wrap.scrollLeft = Math.max(0, x - wrap.clientWidth / 2); wrap.scrollTop = Math.max(0, y - wrap.clientHeight / 2);
      canvas.scrollIntoView({ block: 'nearest' });
      var rect = canvas.getBoundingClientRect();
      window.scrollBy(0, rect.top + y - window.innerHeight / 2);
      return centreOf(canvas.getBoundingClientRect(), x, y);
    }
  };

  // --- start ------------------------------------------------------------------------------------
  window.podwall = api;
  api.ready = new Promise(function (resolve) {
    if (typeof cytoscape === 'undefined' || typeof cytoscapeFcose === 'undefined') {
      throw new Error('podwall report: the inlined Cytoscape.js or fcose did not load');
    }
    // fcose registers itself with the global cytoscape when it loads after it.
    buildFilters();
    buildFindings();
    buildChanges();
    drawMatrix();
    drawGraph(function () {
      performance.mark('podwall-ready');
      resolve(true);
    });
  });
})();
