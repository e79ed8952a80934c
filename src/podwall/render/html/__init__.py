"""The self-contained HTML report (template, script and style beside this module)."""

from podwall.render.html.builder import html_report

__all__ = ["html_report"]
