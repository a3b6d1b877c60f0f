"""The HTML report's interactive corridor map: Leaflet inside the page, drawn by headless Chromium with no network.

The run is the session's Addis Ababa walking-and-cycling run (``addis_nmt_run`` in conftest.py, shared with
the other report tests); the report is written without figures, which the map does not need, into a
folder of this module.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from corridor_sim.pipeline import RunOutput
from corridor_sim.report.interactive_map import SEGMENT_CLASS, SIGNAL_CLASS, STATION_CLASS, STREET_CLASS
from corridor_sim.report.write import write_report
from corridor_sim.results.reader import RunFolder

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH: the map is not drawn in a browser")

#: Collects each station marker's popup HTML, in the order the markers were added, into the DOM.
POPUP_PROBE = """<script>
const popups = [];
for (const key of Object.keys(window)) {
  const map = window[key];
  if (map instanceof L.Map) map.eachLayer(l => {
    if (l instanceof L.CircleMarker && l.getPopup()) popups.push([l.options.className, l.getPopup().getContent()]);
  });
}
const out = document.createElement("pre"); out.id = "popups"; out.textContent = JSON.stringify(popups);
document.body.appendChild(out);
</script>"""


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside the Leaflet attribution control."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.attribution = ""
        self.popups = ""
        self._depth = 0  # inside the attribution control
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if self._depth:
            self._depth += 1
        elif "leaflet-control-attribution" in attributes.get("class", "").split():
            self._depth = 1
        self._in = tag if tag in ("style", "pre") else None

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.attribution += data
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "pre":
            self.popups += data

    def with_class(self, tag: str, name: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and name in a.get("class", "").split()]


def _parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def _dom(page: Path, profile: Path) -> Elements:
    """The page's DOM after its scripts ran, in headless Chromium that can resolve no host name."""
    command = [
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # a CDN or tile request fails instead of loading
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout, done.stderr[-2000:]
    return _parse(done.stdout)


@pytest.fixture(scope="module")
def report(addis_nmt_run: RunOutput, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, Path]:
    """The run (read only) and its report.html, written once for the module."""
    run = RunFolder(addis_nmt_run.folder)
    return run, write_report(run, None, {}, tmp_path_factory.mktemp("report_map"))["html"]


def test_report_html_loads_no_script_or_style_from_outside(report: tuple[RunFolder, Path]) -> None:
    html = report[1].read_text(encoding="utf-8")
    page = _parse(html)
    scripts = [a for t, a in page.tags if t == "script"]
    assert len(scripts) >= 2 and not [a["src"] for a in scripts if "src" in a], "every script is inline"
    assert not [a for t, a in page.tags if t == "link"], "no linked stylesheet, icon or font"
    css = "\n".join(page.styles)
    assert ".leaflet-container" in css  # Leaflet's stylesheet is inline
    urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", css)
    assert urls and all(u.startswith(("data:", "#")) for u in urls), urls
    assert "@import" not in css
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//[^'\"]*\.(js|css)\b", html), "no CDN asset"
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert "sourceMappingURL" not in html


@needs_chromium
def test_the_map_draws_offline_with_its_corridor_stations_and_credit(report: tuple[RunFolder, Path], tmp_path: Path) -> None:
    run, html = report
    layers = run.table("map_layers")
    segments, stations, signals = ((layers["layer"] == kind).sum() for kind in ("segment", "station", "signal"))
    assert stations == run.summary["corridor"]["stations"] and segments == stations - 1

    dom = _dom(html, tmp_path / "profile")
    assert len(dom.with_class("div", "leaflet-container")) == 1
    interactive = dom.with_class("path", "leaflet-interactive")
    assert len(interactive) == segments + stations, "one clickable line per segment and one marker per station"
    assert len(dom.with_class("path", SEGMENT_CLASS)) == segments
    assert len(dom.with_class("path", STATION_CLASS)) == stations
    assert len(dom.with_class("path", SIGNAL_CLASS)) == signals
    assert len(dom.with_class("path", STREET_CLASS)) == 1  # the OSM streets: one grey, non-interactive path
    for path in interactive:  # drawn, not empty (Leaflet empties a path it could not place)
        assert len(path.get("d", "")) > 10
    assert not dom.with_class("img", "leaflet-tile"), "no tile layer"
    assert "OpenStreetMap contributors" in dom.attribution


@needs_chromium
def test_each_station_marker_pops_up_its_numbers(report: tuple[RunFolder, Path], tmp_path: Path) -> None:
    run, html = report
    probe = tmp_path / "probe.html"
    probe.write_text(html.read_text(encoding="utf-8").replace("</body>", POPUP_PROBE + "</body>"), encoding="utf-8")
    found = _dom(probe, tmp_path / "profile").popups
    assert found, "the probe found no Leaflet map to read the popups of"
    popups = [content for kind, content in json.loads(found) if kind == STATION_CLASS]
    stats = run.table("station_stats")
    names = run.table("map_layers").query("layer == 'station'")["name"].tolist()
    assert len(popups) == len(names)
    for k, (name, content) in enumerate(zip(names, popups, strict=True)):
        assert f"<strong>{escape(name)}</strong>" in content
        text = re.sub(r"<[^>]+>", " ", content)
        for column in ("boardings", "alightings", "berths"):
            for value in stats.loc[stats["station"] == k, column]:
                assert re.search(rf"\b{int(value)}\b", text), f"{name}: {column} {value} not in its popup"
        assert "mean wait (min)" in text and "peak load leaving (pax/h)" in text
