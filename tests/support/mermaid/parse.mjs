// Parse Mermaid files with Mermaid's own parser and print what it understood, as JSON (one object per file).
// Usage: node parse.mjs FILE...   Exit 0 even when a file fails to parse: each result says ok or error.
// Mermaid sanitises labels with DOMPurify, which needs a DOM: jsdom provides one.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, maxEdges: 100000 });

const results = [];
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const parsed = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    results.push({
      file, ok: true, type: parsed.diagramType,
      vertices: [...db.getVertices().values()].map((v) => ({ id: v.id, text: v.text, type: v.type, classes: v.classes })),
      edges: db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text })),
      subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes })),
    });
  } catch (error) {
    results.push({ file, ok: false, error: String(error.message || error).split('\n').slice(0, 3).join(' ') });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
