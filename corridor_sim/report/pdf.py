"""The report as a PDF: A4 portrait pages laid out with matplotlib, text kept extractable.

With an appraisal, page 1 holds the title and the executive summary (a paragraph to paste, the
six key numbers and Figure 1), and the appraisal chapter follows on its own pages (indicators,
cash flows, risk, tornado, GHG and SDGs); it adds up to :data:`FUNDING_PAGES` pages to the
report's length. Then (else on page 1) the corridor and the design; the headline indicators
follow (on that page if they fit whole, else on the next page); then the figures, one per page (two wide ones share
a page where that keeps the report within :data:`MAX_PAGES`; a map keeps its page); then the
assumptions, and the data sources with their licences. Every page has a footer naming corridor-sim, the run and the page;
the map and sources pages also credit OpenStreetMap. Text is placed line by line, wrapped by
its measured width, in TrueType fonts (``pdf.fonttype = 42`` of the style), so a PDF reader can
search and copy every word and number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath
from PIL import Image

from corridor_sim.plots.style import OSM_CREDIT, style
from corridor_sim.report.content import (
    HEADINGS,
    HEADLINE_COLUMNS,
    SOURCE_COLUMNS,
    ReportContent,
)
from corridor_sim.report.funding import CASH_FLOW_COLUMNS, TORNADO_COLUMNS
from corridor_sim.results.files import atomic_path

#: Page size (inches), margins, and the room kept for the footer at the bottom.
PAGE_W, PAGE_H = 8.27, 11.69
MARGIN = 0.75
TOP = 0.7
BOTTOM = 0.85
FOOTER = 0.45
WIDTH = PAGE_W - 2 * MARGIN
#: The report stays within this many pages where the figures allow it.
MAX_PAGES = 8
#: Pages the executive summary and the appraisal chapter add to that, when the run has an appraisal.
FUNDING_PAGES = 3
#: Font sizes (points) and line spacing (times the size).
SIZE = {
    "title": 17.0,
    "subtitle": 9.0,
    "heading": 12.0,
    "body": 8.5,
    "table": 7.8,
    "small": 7.3,
}
LEADING = 1.32
PAD = 0.06  # cell padding, inches
INK, GREY, SHADE = "#1a1a1a", "#555555", "#f0f0f0"
#: Columns of the tables: (fraction of the width, right-aligned).
FACT_COLUMNS = ((0.24, False), (0.76, False))
HEADLINE_WIDTHS = (
    (0.33, False),
    (0.13, False),
    (0.18, True),
    (0.18, True),
    (0.18, True),
)
SOURCE_WIDTHS = ((0.22, False), (0.48, False), (0.30, False))
CASH_FLOW_WIDTHS = ((0.09, False), *((0.13, True),) * 7)
TORNADO_WIDTHS = ((0.40, False), (0.22, True), (0.22, True), (0.16, True))
#: Height of the executive summary's figure (inches).
LEAD_FIGURE_H = 3.6
#: Figures at most this tall for their width may share a page when pages run short.
WIDE = 0.9

_MEASURE = TextToPath()


def write_pdf(content: ReportContent, figures: dict[str, Path], path: Path, lead: tuple[str, Path] | None = None) -> Path:
    """Write the report as an A4 PDF, atomically.

    Parameters
    ----------
    content
        The words (:func:`corridor_sim.report.content.report_content`).
    figures
        Figure name to PNG file, in the order to show.
    path
        The PDF to write.
    lead
        The executive summary's figure (name, PNG file), Figure 1 on its page; ``figures`` follow.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    with style():
        front, back, room = _text(content, lead)
        pictures = _Flow()
        numbers = iter(range(1 + bool(lead), len(figures) + 2))
        for group in _groups(list(figures.items()), room):
            items = [(next(numbers), name, file) for name, file in group]
            pictures.figure_page(content, items)
        pages = front.pages + pictures.pages + back.pages
        for number, page in enumerate(pages, start=1):
            _footer(page, content.footer(number))
        metadata = {
            "Title": content.title,
            "Subject": content.subtitle,
            "Creator": content.footer(),
        }
        with (
            matplotlib.rc_context({"savefig.bbox": "standard"}),
            atomic_path(path) as tmp,
            PdfPages(tmp, metadata=metadata) as pdf,
        ):
            for page in pages:
                pdf.savefig(page.fig)
    return path


def figure_order(content: ReportContent, figures: dict[str, Path], lead: tuple[str, Path] | None = None) -> dict[str, Path]:
    """The figures in the order the PDF shows them, for the HTML to number them alike.

    The caller's order, except that where the report would run over :data:`MAX_PAGES`, a
    wide figure moves up to share the page of an earlier wide one.
    """
    room = _text(content, lead)[2]
    return dict(item for group in _groups(list(figures.items()), room) for item in group)


@dataclass
class _Page:
    fig: Figure
    credit: bool = False


class _Flow:
    """Pages filled from the top down; a block that does not fit starts a new page."""

    def __init__(self) -> None:
        self.pages: list[_Page] = []
        self.y = TOP

    @property
    def fig(self) -> Figure:
        return self.pages[-1].fig

    def new_page(self, credit: bool = False) -> None:
        self.pages.append(_Page(Figure(figsize=(PAGE_W, PAGE_H)), credit))
        self.y = TOP

    def room(self) -> float:
        return PAGE_H - BOTTOM - self.y if self.pages else 0.0

    def ensure(self, height: float) -> None:
        if height > self.room():
            self.new_page()

    def text(self, x: float, text: str, size: float, **kw) -> None:
        """One line with its top at the current height, ``x`` inches from the left edge."""
        self.fig.text(
            x / PAGE_W,
            1 - self.y / PAGE_H,
            text,
            fontsize=size,
            va="top",
            parse_math=False,
            color=kw.pop("color", INK),
            **kw,
        )

    def paragraph(
        self,
        text: str,
        size: float,
        after: float = 0.08,
        indent: float = 0.0,
        bullet: str = "",
        **kw,
    ) -> None:
        lines = wrap(text, WIDTH - indent, size, kw.get("fontweight", "normal"))
        step = _line(size)
        self.ensure(min(len(lines), 2) * step)
        for k, line in enumerate(lines):
            self.ensure(step)
            if bullet and k == 0:
                self.text(MARGIN + indent - 0.14, bullet, size, **kw)
            self.text(MARGIN + indent, line, size, **kw)
            self.y += step
        self.y += after

    def heading(self, text: str, keep: float = 1.0) -> None:
        self.ensure(_line(SIZE["heading"]) + keep)
        self.y += 0.1 if self.y > TOP else 0.0
        self.paragraph(text, SIZE["heading"], after=0.06, fontweight="bold")

    def rule(self, width: float = 0.6, x0: float = MARGIN, x1: float = MARGIN + WIDTH) -> None:
        y = 1 - self.y / PAGE_H
        self.fig.add_artist(
            Line2D(
                [x0 / PAGE_W, x1 / PAGE_W],
                [y, y],
                transform=self.fig.transFigure,
                color=GREY,
                linewidth=width,
            )
        )

    def table(
        self,
        header: tuple[str, ...] | None,
        rows: list[tuple[str, ...]],
        columns: tuple[tuple[float, bool], ...],
    ) -> None:
        """A table: rules above, under the header and below, alternate rows shaded.

        Split across pages where it runs over, its header repeated.
        """
        head, cells, head_h, heights = _cells(header, rows, columns)
        widths = [frac * WIDTH for frac, _ in columns]
        self.ensure(head_h + (heights[0] if heights else 0.0))
        self._header(head, widths, columns, head_h)
        for k, (row, height) in enumerate(zip(cells, heights, strict=True)):
            if height > self.room():
                self.rule(0.8)
                self.new_page()
                self._header(head, widths, columns, head_h)
            if k % 2:
                corner = (MARGIN / PAGE_W, 1 - (self.y + height) / PAGE_H)
                size = (WIDTH / PAGE_W, height / PAGE_H)
                shade = Rectangle(corner, *size, transform=self.fig.transFigure, color=SHADE, zorder=0)
                self.fig.add_artist(shade)
            self._row(row, widths, columns, height)
        self.rule(0.8)
        self.y += 0.12

    def section(
        self,
        heading: str,
        caption: str,
        header: tuple[str, ...] | None,
        rows: list[tuple[str, ...]],
        columns: tuple[tuple[float, bool], ...],
    ) -> int:
        """A heading, a caption in small grey type (if any) and a table, kept together
        on one page where they fit on one. Returns the index of the heading's page."""
        above = _line(SIZE["heading"]) + 0.22
        if caption:
            above += len(wrap(caption, WIDTH, SIZE["small"])) * _line(SIZE["small"]) + 0.08
        _, _, head_h, heights = _cells(header, rows, columns)
        whole = above + head_h + sum(heights)
        if self.room() < whole <= PAGE_H - TOP - BOTTOM:
            self.new_page()
        self.heading(heading, keep=above + head_h + sum(heights[:2]))
        page = len(self.pages) - 1
        if caption:
            self.paragraph(caption, SIZE["small"], after=0.08, color=GREY)
        self.table(header, rows, columns)
        return page

    def _header(
        self,
        head: list[list[str]] | None,
        widths: list[float],
        columns: tuple,
        height: float,
    ) -> None:
        self.rule(0.8)
        if head:
            self._row(head, widths, columns, height, bold=True)
            self.rule(0.5)

    def _row(
        self,
        row: list[list[str]],
        widths: list[float],
        columns: tuple,
        height: float,
        bold: bool = False,
    ) -> None:
        x, top = MARGIN, self.y
        weight = "bold" if bold else "normal"
        for lines, width, (_, right) in zip(row, widths, columns, strict=True):
            self.y = top + PAD
            for line in lines:
                at, align = (x + width - PAD, "right") if right else (x + PAD, "left")
                self.text(at, line, SIZE["table"], ha=align, fontweight=weight)
                self.y += _line(SIZE["table"])
            x += width
        self.y = top + height

    def image(self, content: ReportContent, name: str, file: Path, number: int, height: float) -> None:
        """A figure in the flow, at most ``height`` inches tall and the text's width, with its caption."""
        caption = wrap(content.figure_caption(name, number), WIDTH, SIZE["body"], "bold")
        image = _rgb(file)
        self.ensure(min(height, WIDTH * image.shape[0] / image.shape[1]) + 0.12 + len(caption) * _line(SIZE["body"]))
        self._picture(image, height, caption, [])
        self.y += 0.15

    def figure_page(self, content: ReportContent, items: list[tuple[int, str, Path]]) -> None:
        """One page of figures, each scaled to the width (or its share of the height) with its caption."""
        credits = [content.figure_credit(name) for _, name, _ in items]
        self.new_page(credit=any(credits))
        slot = (PAGE_H - TOP - BOTTOM) / len(items)
        for (number, name, file), credit in zip(items, credits, strict=True):
            caption = wrap(content.figure_caption(name, number), WIDTH, SIZE["body"], "bold")
            notes = wrap(credit, WIDTH, SIZE["small"]) if credit else []
            text_h = len(caption) * _line(SIZE["body"]) + len(notes) * _line(SIZE["small"]) + 0.3
            self._picture(_rgb(file), slot - text_h, caption, notes)
            self.y += 0.25

    def _picture(self, image: np.ndarray, height: float, caption: list[str], notes: list[str]) -> None:
        """An image centred at the current line, as wide as the text allows and at most ``height`` tall, then its caption."""
        aspect = image.shape[0] / image.shape[1]
        width = min(WIDTH, height / aspect)
        height = width * aspect
        left = MARGIN + (WIDTH - width) / 2
        ax = self.fig.add_axes((left / PAGE_W, 1 - (self.y + height) / PAGE_H, width / PAGE_W, height / PAGE_H))
        ax.imshow(image, interpolation="none")
        ax.set_axis_off()
        self.y += height + 0.12
        for line in caption:
            self.text(MARGIN, line, SIZE["body"], fontweight="bold")
            self.y += _line(SIZE["body"])
        for line in notes:
            self.text(MARGIN, line, SIZE["small"], color=GREY)
            self.y += _line(SIZE["small"])


def _text(content: ReportContent, lead: tuple[str, Path] | None = None) -> tuple[_Flow, _Flow, int]:
    """The pages before and after the figures, and how many pages are left for figures."""
    front, back = _Flow(), _Flow()
    _front(front, content, lead)
    _back(back, content)
    most = MAX_PAGES + (FUNDING_PAGES if content.funding is not None else 0)
    return front, back, most - len(front.pages) - len(back.pages)


def _front(flow: _Flow, content: ReportContent, lead: tuple[str, Path] | None) -> None:
    flow.new_page()
    flow.paragraph(content.title, SIZE["title"], after=0.06, fontweight="bold")
    flow.paragraph(content.subtitle, SIZE["subtitle"], after=0.1, color=GREY)
    flow.rule(1.0)
    flow.y += 0.15
    if (f := content.funding) is not None:
        flow.heading(HEADINGS["executive"])
        flow.paragraph(f.paragraph, SIZE["body"], after=0.12)
        flow.table(None, list(f.key_numbers), FACT_COLUMNS)
        if lead is not None:
            flow.image(content, *lead, 1, LEAD_FIGURE_H)
        flow.new_page()
        flow.heading(HEADINGS["appraisal"])
        flow.table(None, list(f.indicators), FACT_COLUMNS)
        flow.section("Risk and switching values", "", None, list(f.risk), FACT_COLUMNS)
        flow.section("Cash flows by year", "US$ M, constant prices", CASH_FLOW_COLUMNS, list(f.cash_flows), CASH_FLOW_WIDTHS)
        flow.section("Tornado", "NPV with one input at each end of its range", TORNADO_COLUMNS, list(f.tornado), TORNADO_WIDTHS)
        flow.section("GHG and the SDGs", "", None, list(f.ghg_sdg), FACT_COLUMNS)
        for note in f.notes:
            flow.paragraph(note, SIZE["small"], after=0.05, indent=0.18, bullet="•", color=GREY)
        flow.y += 0.15
    flow.section(HEADINGS["facts"], "", None, list(content.facts), FACT_COLUMNS)
    flow.section(HEADINGS["design"], "", None, list(content.design), FACT_COLUMNS)
    if content.headline:
        rows = [tuple(row) for row in content.headline]
        flow.section(
            HEADINGS["headline"],
            content.headline_caption,
            HEADLINE_COLUMNS,
            rows,
            HEADLINE_WIDTHS,
        )


def _back(flow: _Flow, content: ReportContent) -> None:
    flow.new_page()
    flow.heading(HEADINGS["assumptions"])
    flow.paragraph(content.evidence_note, SIZE["small"], after=0.1, color=GREY)
    for item in content.assumptions:
        flow.paragraph(item, SIZE["body"], after=0.07, indent=0.18, bullet="•")
    start = flow.section(
        HEADINGS["sources"],
        "",
        SOURCE_COLUMNS,
        [tuple(s) for s in content.sources],
        SOURCE_WIDTHS,
    )
    flow.paragraph(content.sources_note, SIZE["small"], color=GREY)
    for page in flow.pages[start:]:
        page.credit = True


def _groups(figures: list[tuple[str, Path]], room: int) -> list[list[tuple[str, Path]]]:
    """Figures by page: one each, or, until they fit in ``room`` pages, a wide figure with
    the next wide one (which may move up past a tall one)."""
    merges = len(figures) - max(room, 1)
    pending, groups = list(figures), []
    while pending:
        group = [pending.pop(0)]
        if merges > 0 and _pairable(*group[0]):
            partner = next((k for k, item in enumerate(pending) if _pairable(*item)), None)
            if partner is not None:
                group.append(pending.pop(partner))
                merges -= 1
        groups.append(group)
    return groups


def _pairable(name: str, file: Path) -> bool:
    """Whether a figure may share a page: wide, and not a map (a map needs the whole page)."""
    return "map" not in name and _aspect(file) <= WIDE


def _rgb(file: Path) -> np.ndarray:
    """A PNG as 8-bit RGB over white (no float copy, no soft mask in the PDF)."""
    with Image.open(file) as png:
        rgba = png.convert("RGBA")
    page = Image.new("RGBA", rgba.size, "white")
    return np.asarray(Image.alpha_composite(page, rgba).convert("RGB"))


def _aspect(file: Path) -> float:
    with Image.open(file) as png:
        width, height = png.size
    return height / width


def _footer(page: _Page, text: str) -> None:
    y = FOOTER / PAGE_H
    fig = page.fig
    fig.add_artist(
        Line2D(
            [MARGIN / PAGE_W, 1 - MARGIN / PAGE_W],
            [y + 0.16 / PAGE_H] * 2,
            transform=fig.transFigure,
            color=GREY,
            linewidth=0.4,
        )
    )
    fig.text(
        MARGIN / PAGE_W,
        y,
        text,
        fontsize=SIZE["small"],
        color=GREY,
        va="top",
        parse_math=False,
    )
    if page.credit:
        fig.text(
            1 - MARGIN / PAGE_W,
            y,
            OSM_CREDIT,
            fontsize=SIZE["small"],
            color=GREY,
            va="top",
            ha="right",
            parse_math=False,
        )


def _cells(
    header: tuple[str, ...] | None,
    rows: list[tuple[str, ...]],
    columns: tuple[tuple[float, bool], ...],
) -> tuple[list[list[str]] | None, list[list[list[str]]], float, list[float]]:
    """A table's wrapped header and cells, the header's height and each row's (inches)."""
    size, step = SIZE["table"], _line(SIZE["table"])
    inner = [frac * WIDTH - 2 * PAD for frac, _ in columns]
    cells = [[_cell(text, w, size, right) for text, w, (_, right) in zip(row, inner, columns, strict=True)] for row in rows]
    head = [wrap(h, w, size, "bold") for h, w in zip(header, inner, strict=True)] if header else None
    heights = [max(len(lines) for lines in row) * step + 2 * PAD for row in cells]
    head_h = max(len(lines) for lines in head) * step + 2 * PAD if head else 0.0
    return head, cells, head_h, heights


def _cell(text: str, width: float, size: float, number: bool) -> list[str]:
    """A cell's lines; a number too wide for its column breaks before its bracket first."""
    if number and " (" in text and _width(text, size, "normal") > width:
        text = text.replace(" (", "\n(", 1)
    return wrap(text, width, size)


def _line(size: float) -> float:
    return size * LEADING / 72.0


@lru_cache(maxsize=8192)
def _width(text: str, size: float, weight: str) -> float:
    width, _, _ = _MEASURE.get_text_width_height_descent(text, FontProperties(size=size, weight=weight), ismath=False)
    return width / 72.0


def wrap(text: str, width: float, size: float, weight: str = "normal") -> list[str]:
    """``text`` in lines no wider than ``width`` inches at ``size`` points, broken at spaces
    (a word wider than a line is cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _width(candidate, size, weight) <= width or (not line and _width(word, size, weight) <= width):
                line = candidate
                continue
            if line:
                lines.append(line)
            while _width(word, size, weight) > width:
                cut = 1
                while cut < len(word) and _width(word[: cut + 1], size, weight) <= width:
                    cut += 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines
