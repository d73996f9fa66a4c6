"""Markdown tables for the benchmark report."""

from __future__ import annotations


def md_table(headers: list[str], rows: list[list[object]]) -> str:
    """A markdown table; floats keep about 3 significant digits, None shows as a dash."""
    def cell(value: object) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            digits = next((d for limit, d in ((1, 3), (10, 2), (100, 1)) if abs(value) < limit), 0)
            return f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
