"""Every fixed-width table lines up: each cell of a column starts at the same offset, whatever the names' lengths.

The check is structural, not a golden: it reads the header's column offsets and
asserts that every row has a cell starting exactly there and nowhere else.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from podwall.render.table import Cell, Column, Span, display_width, table
from tests.cli.harness import run

TOKEN = re.compile(r"\S+")


def starts(line: str) -> list[int]:
    """Offsets at which a token (a run of non-blanks) starts."""
    return [m.start() for m in TOKEN.finditer(line)]


def assert_aligned(lines: list[str], header: str, row_pattern: str = r"^\d") -> int:
    """Every line matching ``row_pattern`` starts its tokens exactly at the header's column offsets."""
    columns = starts(header)
    rows = [line for line in lines if re.match(row_pattern, line)]
    for line in rows:
        assert starts(line) == columns, f"misaligned:\n{header}\n{line}"
    return len(rows)


def name(length: int, seed: int) -> str:
    """A DNS-1123 label of exactly ``length`` characters."""
    rng = random.Random(seed * 1000 + length)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))


def deployments(names: list[tuple[str, str]]) -> str:
    """Deployments (namespace, name), each serving 80 and 8443, none isolated."""
    docs = []
    for ns, n in names:
        docs.append(
            f'apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: "{n}", namespace: "{ns}"}}\n'
            f'spec:\n  selector: {{matchLabels: {{app: "{n}"}}}}\n  template:\n    metadata: {{labels: {{app: "{n}"}}}}\n'
            f"    spec:\n      containers:\n      - name: c\n        image: x\n"
            f"        ports: [{{containerPort: 80}}, {{containerPort: 8443}}]\n"
        )
    return "---\n".join(docs)


@pytest.mark.parametrize("longest", [1, 2, 3, 5, 8, 13, 21, 34, 55])
def test_reach_matrix_columns_line_up_for_names_of_every_length(tmp_path: Path, longest: int) -> None:
    """Names from 1 to ``longest`` characters, in namespaces of 1 to 4 characters, plus one policy for mixed cells."""
    lengths = sorted({1, 2, max(1, longest // 2), max(1, longest - 2), max(1, longest - 1), longest})
    names = [(name(1 + i % 4, i), name(n, i)) for i, n in enumerate(lengths)]
    policy = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        f'metadata: {{name: only-80, namespace: "{names[0][0]}"}}\n'
        "spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}\n"
    )
    (tmp_path / "app.yaml").write_text(deployments(names) + "---\n" + policy)
    r = run("reach", "-f", str(tmp_path), "-o", "matrix")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    header = next(line for line in lines if line.startswith("#"))
    assert assert_aligned(lines, header) == len(names)
    # namespace headings start where the names start
    source = header.index("source")
    for ns, _ in names:
        assert any(line == " " * source + ns for line in lines)


@pytest.mark.parametrize("sizes", [(1, 1), (1, 30), (2, 3), (40, 1)])
def test_summary_columns_line_up_with_short_and_long_namespaces(tmp_path: Path, sizes: tuple[int, int]) -> None:
    names = [(name(sizes[0], 1), "a"), (name(sizes[1], 2), "b"), ("c" * max(sizes), "c")]
    (tmp_path / "app.yaml").write_text(deployments(names))
    r = run("reach", "-f", str(tmp_path), "--summary")
    lines = r.stdout.splitlines()
    header = next(line for line in lines if line.startswith("#"))
    assert assert_aligned(lines, header) == 3


def test_the_table_renderer_aligns_every_column_whatever_the_cells() -> None:
    """Random cells of 1 to 40 characters (wide characters too), left and right aligned, with spans between rows."""
    rng = random.Random(7)
    alphabet = "abcdefghij0123456789·=,/-"
    for trial in range(200):
        width = rng.randint(1, 6)
        rows = [[
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) + ("界" if rng.random() < 0.1 else "")
            for _ in range(width)
        ] for _ in range(rng.randint(1, 8))]
        aligns = [rng.choice(("left", "right")) for _ in range(width)]
        columns = [Column(f"h{i}", a) for i, a in enumerate(aligns)]
        body = [*rows[:1], Span("heading", at=rng.randrange(width)), *rows[1:]]
        lines = table(columns, body, style=lambda text, role: f"<{text}>" if role == "x" else text)
        widths = [max(display_width(c.header), *(display_width(r[i]) for r in rows)) for i, c in enumerate(columns)]
        offsets = [sum(widths[:i]) + 2 * i for i in range(width)]
        for line, row in zip([lines[0], *lines[1:2], *lines[3:]], [[c.header for c in columns], *rows]):
            for i, cell in enumerate(row):
                start = offsets[i] if aligns[i] == "left" else offsets[i] + widths[i] - display_width(cell)
                assert line[_char_index(line, start):].startswith(cell), (trial, line, cell)
        assert all(line == line.rstrip() for line in lines)


def _char_index(line: str, columns: int) -> int:
    """The index in ``line`` of the character at display column ``columns``."""
    used = 0
    for index, char in enumerate(line):
        if used >= columns:
            return index
        used += display_width(char)
    return len(line)


def test_styles_never_move_a_column() -> None:
    plain = table([Column("a"), Column("b", "right")], [["x", Cell("yy", "allowed")], ["long", Cell("z", "allowed")]])
    painted = table([Column("a"), Column("b", "right")], [["x", Cell("yy", "allowed")], ["long", Cell("z", "allowed")]],
                    style=lambda text, role: f"\x1b[32m{text}\x1b[0m")
    assert [re.sub(r"\x1b\[\d+m", "", line) for line in painted] == plain
