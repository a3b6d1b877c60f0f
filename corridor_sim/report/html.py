"""The report as one self-contained HTML file: figures inside as PNG data URIs, a small inline
stylesheet, every text escaped. Same words and order as the PDF (:mod:`corridor_sim.report.pdf`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from pathlib import Path

from corridor_sim.report.content import (
    HEADINGS,
    HEADLINE_COLUMNS,
    SOURCE_COLUMNS,
    ReportContent,
)
from corridor_sim.report.funding import CASH_FLOW_COLUMNS, TORNADO_COLUMNS
from corridor_sim.results.files import atomic_path

#: Columns of the headline table printed right-aligned (the numbers).
_NUMERIC = {2, 3, 4}

CSS = """
body { font: 15px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #999; padding-bottom: .2rem; }
.subtitle, .note, caption, figcaption small, footer { color: #555; }
.note, caption { font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .4rem 0 1rem; border-top: 1.5px solid #555; border-bottom: 1.5px solid #555; }
caption { caption-side: top; text-align: left; padding-bottom: .4rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; }
thead th { border-bottom: 1px solid #555; }
tbody tr:nth-child(even) { background: #f0f0f0; }
th[scope=row] { font-weight: normal; width: 24%; }
.num { text-align: right; white-space: nowrap; }
figure { margin: 1.5rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { font-weight: bold; margin-top: .4rem; }
figcaption small { display: block; font-weight: normal; }
li { margin-bottom: .35rem; }
.paste { font-size: 1rem; background: #f5f5f5; border-left: 3px solid #555; padding: .6rem .8rem; }
footer { border-top: 1px solid #999; margin-top: 2rem; padding-top: .4rem; font-size: .8rem; }
@media print { @page { size: A4; margin: 18mm; } main { max-width: none; padding: 0; } }
"""


def write_html(
    content: ReportContent, figures: dict[str, Path], path: Path, lead: tuple[str, Path] | None = None, corridor_map: str = ""
) -> Path:
    """Write the report as one HTML file with its figures embedded, atomically.

    Parameters
    ----------
    content
        The words (:func:`corridor_sim.report.content.report_content`).
    figures
        Figure name to PNG file, in the order to show.
    path
        The HTML file to write.
    lead
        The executive summary's figure (name, PNG file), numbered 1 before ``figures``.
    corridor_map
        The interactive map's section (:func:`corridor_sim.report.interactive_map.map_section`), put
        before the figures; ``""`` for none.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(content.title)}</title><style>{CSS}</style></head><body><main>",
        f"<header><h1>{escape(content.title)}</h1>",
        f'<p class="subtitle">{escape(content.subtitle)}</p></header>',
        *_funding(content, lead),
        _section(HEADINGS["facts"], _rows_table(content.facts)),
        _section(HEADINGS["design"], _rows_table(content.design)),
    ]
    if content.headline:
        parts.append(
            _section(
                HEADINGS["headline"],
                _table(
                    HEADLINE_COLUMNS,
                    content.headline,
                    _NUMERIC,
                    content.headline_caption,
                ),
            )
        )
    parts.append(corridor_map)
    if figures:
        parts.append(
            _section(
                HEADINGS["figures"],
                "".join(_figure(content, name, file, k) for k, (name, file) in enumerate(figures.items(), 1 + bool(lead))),
            )
        )
    assumptions = (
        f'<p class="note">{escape(content.evidence_note)}</p><ul>'
        + "".join(f"<li>{escape(a)}</li>" for a in content.assumptions)
        + "</ul>"
    )
    parts.append(_section(HEADINGS["assumptions"], assumptions))
    sources = _table(SOURCE_COLUMNS, content.sources, set()) + f'<p class="note">{escape(content.sources_note)}</p>'
    parts.append(_section(HEADINGS["sources"], sources))
    parts.append(f"<footer>{escape(content.footer())}</footer></main></body></html>\n")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return path


def _funding(content: ReportContent, lead: tuple[str, Path] | None) -> list[str]:
    """The executive summary (paragraph, key numbers, the lead figure) and the appraisal chapter."""
    f = content.funding
    if f is None:
        return []
    summary = f'<p class="paste">{escape(f.paragraph)}</p>' + _rows_table(f.key_numbers, "key-numbers")
    if lead is not None:
        summary += _figure(content, *lead, 1)
    chapter = (
        _rows_table(f.indicators)
        + _table(CASH_FLOW_COLUMNS, f.cash_flows, set(range(1, 8)), "Cash flows by year, US$ M (constant prices)")
        + _rows_table(f.risk)
        + _table(TORNADO_COLUMNS, f.tornado, {1, 2, 3}, "Tornado: NPV with one input at each end of its range")
        + _rows_table(f.ghg_sdg)
        + ("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in f.notes) + "</ul>" if f.notes else "")
    )
    return [_section(HEADINGS["executive"], summary), _section(HEADINGS["appraisal"], chapter)]


def _section(heading: str, body: str) -> str:
    return f"<section><h2>{escape(heading)}</h2>{body}</section>"


def _rows_table(rows: Iterable[tuple[str, str]], css: str = "") -> str:
    body = "".join(f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>' for label, value in rows)
    attribute = f' class="{css}"' if css else ""
    return f"<table{attribute}><tbody>{body}</tbody></table>"


def _table(
    header: tuple[str, ...],
    rows: Iterable[tuple[str, ...]],
    numeric: set[int],
    caption: str = "",
) -> str:
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    head = "".join(f'<th{_num(k, numeric)} scope="col">{escape(h)}</th>' for k, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{_num(k, numeric)}>{escape(cell)}</td>" for k, cell in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _num(column: int, numeric: set[int]) -> str:
    return ' class="num"' if column in numeric else ""


def _figure(content: ReportContent, name: str, file: Path, number: int) -> str:
    data = base64.b64encode(Path(file).read_bytes()).decode("ascii")
    caption = content.figure_caption(name, number)
    credit = content.figure_credit(name)
    note = f"<small>{escape(credit)}</small>" if credit else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}"><figcaption>{escape(caption)}{note}</figcaption></figure>'
