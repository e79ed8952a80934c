"""Pure renderers: each turns a verb's result into text; the CLI writes it out."""

from podwall.render.explain_text import explain_text
from podwall.render.explain_json import explain_json
from podwall.render.lint_json import lint_json
from podwall.render.lint_sarif import lint_sarif
from podwall.render.lint_text import lint_text
from podwall.render.reach_csv import reach_csv
from podwall.render.reach_json import reach_json
from podwall.render.reach_md import reach_md
from podwall.render.reach_table import reach_table
from podwall.render.lab_json import lab_json
from podwall.render.lab_text import lab_list, lab_table

REACH_FORMATS = {"table": reach_table, "json": reach_json, "csv": reach_csv, "md": reach_md}
EXPLAIN_FORMATS = {"text": explain_text, "json": explain_json}
LINT_FORMATS = {"text": lint_text, "json": lint_json, "sarif": lint_sarif}
LAB_FORMATS = {"table": lab_table, "list": lab_list, "json": lab_json}

__all__ = [
    "EXPLAIN_FORMATS",
    "LAB_FORMATS",
    "LINT_FORMATS",
    "REACH_FORMATS",
    "explain_json",
    "explain_text",
    "lab_json",
    "lab_list",
    "lab_table",
    "lint_json",
    "lint_sarif",
    "lint_text",
    "reach_csv",
    "reach_json",
    "reach_md",
    "reach_table",
]
