"""Local HTTP server standing in for the internet in tests (standard library only).

:class:`LocalDataServer` serves, on ``127.0.0.1`` at a free port:

``GET /files/<relative path>``
    The bytes of ``files_root/<relative path>`` (``403`` if the path escapes
    ``files_root``, ``404`` if missing).
``GET /api/status``
    An Overpass status page saying a slot is free now, so osmnx's rate-limit
    check (``osmnx._overpass._get_overpass_pause``) returns a pause of 0.
``POST /api/interpreter`` (form field ``data``; also ``GET ?data=...``)
    Overpass-style JSON for an osmnx network query, built from ``osm_file``.

Supported Overpass query subset (what osmnx sends for network queries):

* the first ``way[...](poly:'lat lon lat lon ...')`` statement; a way is
  returned if it has a ``highway`` tag, passes every filter clause and has at
  least one node inside the polygon's *bounding box* (osmnx truncates to the
  polygon itself afterwards);
* filter clauses ``["k"]``, ``[!"k"]``, ``["k"="v"]``, ``["k"!="v"]``,
  ``["k"~"re"]``, ``["k"!~"re"]`` (optional ``,i`` for case-insensitive), with
  single or double quotes. Regexes use Python ``re.search``; as in Overpass,
  ``!~`` / ``!=`` also pass when the key is absent. Key regexes (``[~"k"~"v"]``)
  and all other statements are ignored.
* the response holds the matched ways plus every node they reference that is
  present in ``osm_file`` (nodes first, each sorted by id, like ``out;``).
  Ways are returned unchanged even if some of their nodes are missing from
  the file; osmnx then fails just as ``graph_from_xml`` does on such files.

Example
-------
>>> with LocalDataServer(tmp_path, osm_file=osm) as server:  # doctest: +SKIP
...     ox.settings.overpass_url = server.overpass_url
...     G = ox.graph_from_bbox((38.765, 8.985, 38.790, 9.005), network_type="drive")
...     assert server.hits["/api/interpreter"] == 1
"""

from __future__ import annotations

import bz2
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["LocalDataServer", "parse_way_filter", "way_passes"]

#: Overpass ``/api/status`` page. osmnx reads line index 4 and treats a leading
#: integer as "slots available now" (no pause).
STATUS_TEXT = (
    "Connected as: 2130706433\n"
    "Current time: 2020-01-01T00:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)

_CLAUSE = re.compile(
    r"""\[\s*(?P<neg>!?)\s*(?P<q>["'])(?P<key>.*?)(?P=q)\s*"""
    r"""(?:(?P<op>!=|!~|=|~)\s*(?P<q2>["'])(?P<val>.*?)(?P=q2)\s*(?P<ci>,\s*i)?\s*)?\]"""
)
_WAY_STMT = re.compile(r"way\s*(?P<filters>(?:\[[^\]]*\]\s*)*)\(\s*poly\s*:\s*([\"'])(?P<poly>[^\"']*)\2")

Clause = tuple[str, str, "re.Pattern[str] | str | None"]


def parse_way_filter(text: str) -> list[Clause]:
    """Parse Overpass tag-filter clauses such as ``["highway"!~"service|track"]``.

    Parameters
    ----------
    text
        Concatenated clauses, e.g. the ``way_filter`` osmnx builds.

    Returns
    -------
    list of tuple
        ``(op, key, value)`` with ``op`` one of ``"has"``, ``"not_has"``,
        ``"="``, ``"!="``, ``"~"``, ``"!~"``; ``value`` is a compiled regex for
        ``~``/``!~``, a string for ``=``/``!=`` and ``None`` otherwise.
    """
    clauses: list[Clause] = []
    for m in _CLAUSE.finditer(text):
        op, key, val = m["op"], m["key"], m["val"]
        if op is None:
            clauses.append(("not_has" if m["neg"] else "has", key, None))
        elif op in ("~", "!~"):
            clauses.append((op, key, re.compile(val, re.IGNORECASE if m["ci"] else 0)))
        else:
            clauses.append((op, key, val))
    return clauses


def way_passes(tags: dict[str, str], clauses: list[Clause]) -> bool:
    """Return whether ``tags`` satisfy every clause (Overpass semantics).

    Parameters
    ----------
    tags
        The way's OSM tags.
    clauses
        Output of :func:`parse_way_filter`.

    Returns
    -------
    bool
        ``True`` if all clauses hold.
    """
    for op, key, val in clauses:
        v = tags.get(key)
        if op in ("~", "!~"):
            ok = v is not None and val.search(v) is not None  # type: ignore[union-attr]
            ok = ok if op == "~" else not ok
        elif op in ("=", "!="):
            ok = (v == val) == (op == "=")
        else:
            ok = (v is not None) == (op == "has")
        if not ok:
            return False
    return True


def _load_osm(path: Path) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]], str]:
    """Parse an OSM XML file (plain or ``.bz2``) into Overpass JSON elements.

    Returns
    -------
    nodes, ways, timestamp
        Nodes by id, ways that have a ``highway`` tag, newest object timestamp.
    """
    nodes: dict[int, dict[str, Any]] = {}
    ways: list[dict[str, Any]] = []
    newest = ""
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rb") as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag not in ("node", "way", "relation"):
                continue
            newest = max(newest, el.get("timestamp", ""))
            tags = {t.get("k"): t.get("v") for t in el.iter("tag")}
            if el.tag == "node":
                node: dict[str, Any] = {
                    "type": "node",
                    "id": int(el.get("id")),
                    "lat": float(el.get("lat")),
                    "lon": float(el.get("lon")),
                }
                if tags:
                    node["tags"] = tags
                nodes[node["id"]] = node
            elif el.tag == "way" and "highway" in tags:
                refs = [int(nd.get("ref")) for nd in el.iter("nd")]
                ways.append({"type": "way", "id": int(el.get("id")), "nodes": refs, "tags": tags})
            el.clear()
    return nodes, ways, newest


class LocalDataServer:
    """Threaded HTTP server on ``127.0.0.1`` serving files and a fake Overpass API.

    Parameters
    ----------
    files_root
        Directory served read-only under ``/files/``.
    osm_file
        OSM XML (``.osm`` or ``.osm.bz2``) backing ``/api/interpreter``; parsed
        lazily on the first interpreter request and cached.

    Attributes
    ----------
    hits : collections.Counter
        Request counts keyed by URL path as sent (query string removed), e.g.
        ``hits["/api/interpreter"]``; incremented under a lock.
    """

    def __init__(self, files_root: Path, osm_file: Path | None = None) -> None:
        self.files_root = Path(files_root).resolve()
        self.osm_file = Path(osm_file) if osm_file is not None else None
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()  # guards hits
        self._parse_lock = threading.Lock()  # guards the lazy OSM parse
        self._osm: tuple[dict[int, dict[str, Any]], list[dict[str, Any]], str] | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:PORT``."""
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def overpass_url(self) -> str:
        """Value for ``osmnx.settings.overpass_url`` (``url + "/api"``)."""
        return self.url + "/api"

    def __enter__(self) -> LocalDataServer:
        handler = type("_Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)  # type: ignore[union-attr]
            self._httpd = None

    def overpass_response(self, query: str) -> dict[str, Any]:
        """Build the Overpass JSON answer to an osmnx network ``query``.

        Parameters
        ----------
        query
            Overpass QL text (the decoded ``data`` form field).

        Returns
        -------
        dict
            ``{"version", "generator", "osm3s", "elements"}`` like Overpass.
        """
        if self.osm_file is None:
            raise FileNotFoundError("LocalDataServer has no osm_file")
        with self._parse_lock:
            if self._osm is None:
                self._osm = _load_osm(self.osm_file)
        nodes, ways, stamp = self._osm
        clauses: list[Clause] = []
        bbox = None
        m = _WAY_STMT.search(query)
        if m:
            clauses = parse_way_filter(m["filters"])
            vals = [float(x) for x in m["poly"].split()]
            lats, lons = vals[0::2], vals[1::2]
            bbox = (min(lats), min(lons), max(lats), max(lons))

        def inside(ref: int) -> bool:
            n = nodes.get(ref)
            return n is not None and (bbox is None or (bbox[0] <= n["lat"] <= bbox[2] and bbox[1] <= n["lon"] <= bbox[3]))

        hit_ways = [w for w in ways if way_passes(w["tags"], clauses) and any(map(inside, w["nodes"]))]
        refs = sorted({r for w in hit_ways for r in w["nodes"] if r in nodes})
        return {
            "version": 0.6,
            "generator": "Overpass API (corridor-sim tests LocalDataServer)",
            "osm3s": {
                "timestamp_osm_base": stamp,
                "copyright": "The data included in this document is from www.openstreetmap.org. "
                "The data is made available under ODbL.",
            },
            "elements": [nodes[r] for r in refs] + sorted(hit_ways, key=lambda w: w["id"]),
        }


class _Handler(BaseHTTPRequestHandler):
    """Request handler; ``owner`` is set to the :class:`LocalDataServer`."""

    owner: LocalDataServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _send(self, code: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, form: dict[str, list[str]]) -> None:
        try:
            self._dispatch(urlsplit(self.path).path, form)
        except Exception as exc:  # noqa: BLE001 - report to the client, never to stderr
            self._send(500, f"{type(exc).__name__}: {exc}".encode())

    def _dispatch(self, path: str, form: dict[str, list[str]]) -> None:
        with self.owner._lock:
            self.owner.hits[path] += 1
        if path == "/api/status":
            self._send(200, STATUS_TEXT.encode())
        elif path == "/api/interpreter" and "data" in form:
            try:
                answer = self.owner.overpass_response(form["data"][0])
            except FileNotFoundError as exc:
                self._send(404, str(exc).encode())
                return
            self._send(200, json.dumps(answer).encode(), "application/json")
        elif path.startswith("/files/") and self.command == "GET":
            root = self.owner.files_root
            target = (root / unquote(path[len("/files/") :])).resolve()
            if not target.is_relative_to(root):
                self._send(403, b"forbidden")
            elif not target.is_file():
                self._send(404, b"not found")
            else:
                self._send(200, target.read_bytes(), "application/octet-stream")
        else:
            self._send(404, b"not found")

    def do_GET(self) -> None:
        """Serve ``/files/...``, ``/api/status`` and ``/api/interpreter?data=...``."""
        self._route(parse_qs(urlsplit(self.path).query))

    def do_POST(self) -> None:
        """Serve ``/api/interpreter`` with a url-encoded ``data`` form field."""
        length = int(self.headers.get("Content-Length") or 0)
        self._route(parse_qs(self.rfile.read(length).decode()))
