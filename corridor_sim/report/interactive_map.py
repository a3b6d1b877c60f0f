"""The HTML report's interactive corridor map: Leaflet drawn by folium, every asset inside the page.

The map is made from the run folder alone: the running way as one polyline per station-to-station
segment (``map_layers.parquet``, styled as the static map's
:data:`corridor_sim.plots.corridor_map.RUNNING_WAY_STYLE`), one circle marker per station whose popup
gives its numbers (``station_stats.parquet``, ``segment_loads.parquet``), the traffic signals, and the
OSM streets of the map layers as a light grey, non-interactive context layer. There is no tile layer:
tiles need the network, and the report must read the same offline. The Leaflet attribution control
carries the OpenStreetMap credit (ODbL) that every map drawn from OSM data must show.

How the map is put into the page: its own parts, not folium's page. ``folium.Map.get_root().render()``
is a whole document whose head loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs and sets
``html, body`` to 100 % height. Inside an ``<iframe srcdoc>`` it would be isolated, but a second
document escaped into an attribute is hidden from find-in-page, printing, screen readers and any check
of the page's DOM, and its CDN links would have to be replaced all the same. So :func:`map_html`
renders the folium figure and keeps only the map's ``<div>`` and its script, after Leaflet's stylesheet
and script read from the installed XStatic-Leaflet package (:func:`leaflet_assets`). Leaflet's rules all
select ``.leaflet-*`` classes, so the report's stylesheet and layout are untouched, and its popups are
bound with Leaflet's own ``bindPopup`` (folium's ``Popup`` builds its content with jQuery, which the
page does not load). The two ``<style>`` elements sit in the section rather than the page's head, so
the report's writer inserts the map with one call; every browser applies them there. The PDF cannot
hold an interactive map: it keeps the static one.
"""

from __future__ import annotations

import base64
import math
import re
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from xstatic.pkg import leaflet

from corridor_sim.plots.corridor_map import RUNNING_WAY_STYLE
from corridor_sim.plots.style import OSM_CREDIT
from corridor_sim.report.content import HEADINGS
from corridor_sim.results.reader import RunFolder

#: Height of the map on the page (rem of the page's font).
MAP_HEIGHT_REM = 30.0
#: The streets are simplified to this tolerance (degrees; 2e-5 is about 2 m) and every coordinate
#: rounded to this many decimals (1e-5 degrees is about 1 m): the context layer stays small.
STREET_TOLERANCE_DEG = 2e-5
COORD_DECIMALS = 5
STREET_COLOR = "#bdbdbd"
SIGNAL_COLOR = "#1a9850"
BACKGROUND_COLOR = "#fbfbf8"
STATION_RADIUS_PX = 7.0
SIGNAL_RADIUS_PX = 3.0
#: Leaflet's line width per matplotlib line width of the static map (px per pt).
PX_PER_PT = 1.5
#: matplotlib line styles of the static map as SVG dash patterns (px).
DASH_PATTERNS = {"-": None, "--": "10 7", ":": "2 7"}
#: Class names of the map's SVG paths, for a reader's stylesheet or a test.
SEGMENT_CLASS, STATION_CLASS, SIGNAL_CLASS, STREET_CLASS = (
    "corridor-segment",
    "corridor-station",
    "corridor-signal",
    "corridor-street",
)
MISSING = "-"


def map_section(run: RunFolder) -> str:
    """The report's "Corridor map" section of a run, or ``""`` if the folder has no map layers.

    Parameters
    ----------
    run
        The run folder (``map_layers.parquet``, and for the popups' numbers ``station_stats.parquet``,
        ``segment_loads.parquet`` and ``summary.json``).

    Returns
    -------
    str
        One ``<section>``: heading, a note on what the map shows, the map with Leaflet inline.
    """
    if not run.has("map_layers"):
        return ""
    credits = [c for c in run.corridor.get("credits", []) if c and not c.startswith(OSM_CREDIT)]
    note = (
        "Drag to move, + and − (or a double click) to zoom; click a station or a segment for its numbers. "
        "No background tiles, so the map works offline: the grey lines are the OSM streets around the corridor. "
        "The PDF version of the report cannot hold an interactive map; it has the static one. "
        f"Map data {OSM_CREDIT}, ODbL 1.0" + "".join(f"; {c}" for c in credits) + "."
    )
    return f'<section><h2>{escape(HEADINGS["map"])}</h2><p class="note">{escape(note)}</p>{map_html(corridor_map(run))}</section>'


def corridor_map(run: RunFolder) -> folium.Map:
    """The folium map of a run: streets, running way, signals, stations, no tiles, no CDN assets.

    Parameters
    ----------
    run
        The run folder.

    Returns
    -------
    folium.Map
        Fitted to the running way, with a layer control (which doubles as the legend) and the OSM credit.
    """
    layers = run.table("map_layers")
    kind = layers["layer"]
    segments, stations = layers[kind == "segment"], layers[kind == "station"]
    shown = segments if len(segments) else stations
    west, south, east, north = shown.total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=14,
        tiles=None,
        minZoom=10,
        maxZoom=19,
        scrollWheelZoom=False,  # the page scrolls past the map; zoom with the buttons
    )
    fmap.default_js, fmap.default_css = [], []  # Leaflet comes inline (map_html); nothing else is needed
    _Attribution(f'Map data {OSM_CREDIT}, <a href="https://www.openstreetmap.org/copyright">ODbL</a>').add_to(fmap)
    _MetricScale().add_to(fmap)
    streets = layers[kind == "street"]
    if len(streets):
        group = folium.FeatureGroup(name=_swatch(STREET_COLOR, None, 2) + " OSM streets").add_to(fmap)
        lines = folium.PolyLine(_street_lines(streets), color=STREET_COLOR, weight=1)
        _path(lines, STREET_CLASS, interactive=False).add_to(group)
    _add_segments(fmap, run, segments)
    signals = layers[kind == "signal"]
    if len(signals):
        group = folium.FeatureGroup(name=f'<span style="color:{SIGNAL_COLOR}">&#9679;</span> traffic signals').add_to(fmap)
        for point in signals.geometry:
            marker = folium.CircleMarker(
                [point.y, point.x],
                radius=SIGNAL_RADIUS_PX,
                color="#000000",
                weight=1,
                fill_color=SIGNAL_COLOR,
                fill_opacity=1.0,
            )
            _path(marker, SIGNAL_CLASS, interactive=False).add_to(group)
    _add_stations(fmap, run, stations)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]], padding=(20, 20))
    return fmap


def map_html(fmap: folium.Map, height_rem: float = MAP_HEIGHT_REM) -> str:
    """A folium map as a fragment of a page: Leaflet's CSS and JS inline, the map's div and script.

    Parameters
    ----------
    fmap
        The map (from :func:`corridor_map`; any folium map whose elements need only Leaflet).
    height_rem
        Height of the map (rem).

    Returns
    -------
    str
        ``<style>``, ``<div>`` and ``<script>`` elements, with no reference to anything outside the page.
    """
    css, js = leaflet_assets()
    figure = fmap.get_root()
    figure.render()  # fills the figure's html and script parts; its header (CDN links, page CSS) is left out
    name = fmap.get_name()
    own_css = f"#{name} {{ position: relative; width: 100%; height: {height_rem:g}rem; background: {BACKGROUND_COLOR}; }}"
    # the page's tables are full width with a narrow label column: a popup's are as wide as their words
    popup = f"#{name} .leaflet-popup-content"
    own_css += f" {popup} table {{ width: auto; margin: .3rem 0; font-size: .8rem; }}"
    own_css += f" {popup} th[scope=row] {{ width: auto; white-space: nowrap; }}"
    script = _safe_script(figure.script.render())
    return f"<style>{css}</style><style>{own_css}</style>{figure.html.render()}<script>{js}</script><script>{script}</script>"


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's stylesheet and script from the installed XStatic-Leaflet package, ready to inline.

    The stylesheet's images (the layer control's icon, the default marker) become data URIs and the
    script's source-map comment is dropped, so neither refers to a file beside the page.

    Returns
    -------
    tuple of str
        ``(css, js)``.
    """
    folder = Path(leaflet.BASE_DIR)
    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\(\s*['\"]?images/([\w.-]+?)['\"]?\s*\)", lambda m: f"url({_data_uri(folder / 'images' / m[1])})", css)
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    return css, _safe_script(js)


# --- the map's layers -------------------------------------------------------------------------------


def _add_segments(fmap: folium.Map, run: RunFolder, segments: gpd.GeoDataFrame) -> None:
    """One polyline per station-to-station segment, one layer per running way, popups with the peak loads."""
    loads = _peak_loads(run)
    lengths_km = _lengths_km(segments)
    directions = _direction_names(run)
    groups: dict[str, folium.FeatureGroup] = {}
    for k, (row, length_km) in enumerate(zip(segments.itertuples(), lengths_km, strict=True)):
        way = row.running_way if isinstance(row.running_way, str) else "mixed_traffic"
        style = RUNNING_WAY_STYLE.get(way, RUNNING_WAY_STYLE["mixed_traffic"])
        if way not in groups:
            swatch = _swatch(style["color"], DASH_PATTERNS[style["linestyle"]], 4)
            groups[way] = folium.FeatureGroup(name=f"{swatch} {escape(style['label'])}").add_to(fmap)
        line = folium.PolyLine(
            np.round(shapely.get_coordinates(row.geometry)[:, ::-1], COORD_DECIMALS).tolist(),
            color=style["color"],
            weight=style["linewidth"] * PX_PER_PT,
            dash_array=DASH_PATTERNS[style["linestyle"]],
            line_cap="butt",
        )
        _path(line, SEGMENT_CLASS)
        cells = [(f"peak load {d} (pax/h)", _peak(loads, d_index, k)) for d_index, d in enumerate(directions)]
        table = _rows([("running way", style["label"]), ("length (km)", f"{length_km:.2f}"), *cells])
        _Bind("bindPopup", f"<strong>{escape(str(row.name))}</strong>{table}", maxWidth=360).add_to(line)
        _Bind("bindTooltip", escape(str(row.name)), sticky=True).add_to(line)
        line.add_to(groups[way])


def _add_stations(fmap: folium.Map, run: RunFolder, stations: gpd.GeoDataFrame) -> None:
    """One circle marker per station, its popup the station's numbers in each direction."""
    group = folium.FeatureGroup(name='<span style="font-size:1.1em">&#9675;</span> stations').add_to(fmap)
    stats = run.table("station_stats") if run.has("station_stats") else None
    loads = _peak_loads(run)
    directions = _direction_names(run)
    period = run.summary.get("period", {})
    counted = f"{period.get('start', '?')}-{period.get('end', '?')}"
    for k, (name, point) in enumerate(zip(stations["name"], stations.geometry, strict=True)):
        marker = folium.CircleMarker(
            [point.y, point.x],
            radius=STATION_RADIUS_PX,
            color="#000000",
            weight=1.5,
            fill_color="#ffffff",
            fill_opacity=1.0,
        )
        _path(marker, STATION_CLASS)
        head = f"<strong>{escape(str(name))}</strong><br>station {k + 1} of {len(stations)}"
        if stats is not None:
            body = _station_table(stats[stats["station"] == k], loads, directions, k, len(stations))
            foot = f"<br><small>passengers counted {escape(counted)}, run {escape(run.label)}</small>"
        else:
            body, foot = "", ""
        _Bind("bindPopup", head + body + foot, maxWidth=560).add_to(marker)
        _Bind("bindTooltip", escape(str(name))).add_to(marker)
        marker.add_to(group)


def _station_table(stats: pd.DataFrame, loads: pd.DataFrame | None, directions: list[str], k: int, n: int) -> str:
    """Rows of numbers, one column per direction: boardings, alightings, wait, peak load, left behind, berths."""
    by_direction = {int(d): row for d, row in zip(stats["direction"], stats.itertuples(), strict=True)}

    def cells(get) -> list[str]:
        return [get(by_direction[d]) if d in by_direction else MISSING for d in range(len(directions))]

    # the segment a bus leaves station k by: k going on (direction 0), k - 1 coming back (direction 1)
    leaving = [k if k < n - 1 else None, k - 1 if k > 0 else None]
    rows = [
        ("boardings (pax)", cells(lambda r: _int(r.boardings))),
        ("alightings (pax)", cells(lambda r: _int(r.alightings))),
        ("mean wait (min)", cells(lambda r: _fixed(r.wait_mean_s / 60.0, 1))),
        ("peak load leaving (pax/h)", [_peak(loads, d, leaving[d]) for d in range(len(directions))]),
        ("left behind (pax)", cells(lambda r: _int(r.denied))),
        ("buses stopping", cells(lambda r: _int(r.buses))),
        ("berths", cells(lambda r: _int(r.berths))),
        ("berth saturation", cells(lambda r: _fixed(r.saturation, 2))),
        ("mean dwell (s)", cells(lambda r: _fixed(r.dwell_mean_s, 0))),
    ]
    head = "<tr><th></th>" + "".join(f'<th class="num" scope="col">{escape(d)}</th>' for d in directions) + "</tr>"
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>' + "".join(f'<td class="num">{escape(v)}</td>' for v in values) + "</tr>"
        for label, values in rows
    )
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def _rows(rows: list[tuple[str, str]]) -> str:
    body = "".join(f'<tr><th scope="row">{escape(a)}</th><td class="num">{escape(b)}</td></tr>' for a, b in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _street_lines(streets: gpd.GeoDataFrame) -> list[list[list[float]]]:
    """The streets as (lat, lon) lines for one multi-polyline: each street once (the network has both
    directions of a two-way street), joined end to end where no junction stops them, simplified, rounded."""
    once = shapely.from_wkb(np.unique(shapely.to_wkb(shapely.normalize(streets.geometry.to_numpy()))))
    lines = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.get_parts(once))))
    lines = shapely.simplify(lines, STREET_TOLERANCE_DEG)
    return [np.round(shapely.get_coordinates(line)[:, ::-1], COORD_DECIMALS).tolist() for line in lines if not line.is_empty]


def _lengths_km(segments: gpd.GeoDataFrame) -> np.ndarray:
    if not len(segments):
        return np.zeros(0)
    return segments.geometry.to_crs(segments.estimate_utm_crs()).length.to_numpy() / 1000.0


# --- the run's numbers -------------------------------------------------------------------------------


def _direction_names(run: RunFolder) -> list[str]:
    """The two directions' labels (direction 0 runs from the first station to the last)."""
    names = [d.get("direction", "") for d in run.summary.get("directions", [])]
    return names if len(names) == 2 else ["outbound", "inbound"]


def _peak_loads(run: RunFolder) -> pd.DataFrame | None:
    """Highest hourly load of each segment and direction (pax/h), or None if the run has no segment loads."""
    if not run.has("segment_loads"):
        return None
    loads = run.table("segment_loads")
    return loads.groupby(["direction", "segment"])["pax"].max().rename("peak_pax_per_h").reset_index()


def _peak(loads: pd.DataFrame | None, direction: int, segment: int | None) -> str:
    if loads is None or segment is None:
        return MISSING
    hit = loads.loc[(loads["direction"] == direction) & (loads["segment"] == segment), "peak_pax_per_h"]
    return _int(hit.iloc[0]) if len(hit) else MISSING


def _int(value: Any) -> str:
    return f"{int(value)}" if _finite(value) else MISSING


def _fixed(value: Any, decimals: int) -> str:
    return f"{float(value):.{decimals}f}" if _finite(value) else MISSING


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


# --- Leaflet without jQuery or files ------------------------------------------------------------------


class _Bind(MacroElement):
    """``layer.bindPopup(html, options)`` or ``bindTooltip``: folium's own Popup and Tooltip need jQuery
    or paste the text into a JS template literal; this passes the (already escaped) HTML as JSON."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.{{ this.method }}({{ this.html|tojson }}, {{ this.options|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, method: str, html: str, **options: Any) -> None:
        super().__init__()
        self._name = "Bind"
        self.method, self.html, self.options = method, html, options


class _Attribution(MacroElement):
    """A credit in the map's attribution control, whatever layers are shown (the map has no tile layer to carry it)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (folium's ``control_scale`` adds feet and miles)."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


def _path(layer: MacroElement, class_name: str, interactive: bool = True) -> MacroElement:
    """Leaflet path options that folium's path options drop (``interactive``; ``className`` in folium 0.16)."""
    layer.options["className"] = class_name
    if not interactive:
        layer.options["interactive"] = False
    return layer


def _swatch(color: str, dashes: str | None, width_px: float) -> str:
    """A short line of the layer's colour for the layer control, which doubles as the legend."""
    style = "solid" if not dashes else "dotted" if dashes.split()[0] == "2" else "dashed"
    return (
        f'<span style="display:inline-block;width:1.8em;vertical-align:middle;border-top:{width_px:g}px {style} {color}"></span>'
    )


def _data_uri(file: Path) -> str:
    return f"data:image/png;base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def _safe_script(js: str) -> str:
    """Script text that cannot end its ``<script>`` element early."""
    return js.replace("</script", "<\\/script")
