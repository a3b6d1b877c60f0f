"""SUMO's inputs for the line: bus stops and signal programs, the buses' trips, the passengers
and the background traffic, all taken from one corridor-sim run so both simulate the same
departures and the same passengers (origin, destination, arrival time)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from corridor_sim.engine.runner import Run
from corridor_sim.engine.traffic import LEAD_S, TAIL_S, time_bin, volume_per_lane

from .network import LineNetwork

#: SUMO's HBEFA4 class for each corridor-sim bus class it can be compared with.
HBEFA4_CLASS = {"bus_18m_euro_iii": "HBEFA4/UBus_Artic_gt18t_Euro-III", "bus_18m_euro_vi": "HBEFA4/UBus_Artic_gt18t_Euro-VI_A-C"}
#: Amber after each green (s), taken out of the red so the green share is corridor-sim's.
AMBER_S = 3.0
#: Gap in front of a bus (m), SUMO's default minGap.
MIN_GAP_M = 2.5
#: How long SUMO runs past the last departure for the last trips to finish (s).
RUN_OUT_S = 1800.0
#: Snapshots of SUMO's queues in mixed traffic, as often as corridor-sim's density snapshots (s).
QUEUE_PERIOD_S = 60.0


def write_inputs(
    run: Run, line: LineNetwork, emission_class: str, work: Path, mesoscopic: bool, mixed_traffic: bool = False
) -> Path:
    """Write SUMO's files for the run and return the configuration file.

    Parameters
    ----------
    run
        The corridor-sim run whose departures, passengers and signal offsets SUMO takes.
    line
        The line on the SUMO network.
    emission_class
        corridor-sim's bus emission class (a key of :data:`HBEFA4_CLASS`).
    work
        Folder for the files.
    mesoscopic
        Write the configuration for SUMO's mesoscopic model (``--mesosim``).
    mixed_traffic
        The buses share the road with the cars (no bus lane: :func:`sumo_peer.network.build_network`
        with ``bus_lane=False``). SUMO then runs over corridor-sim's traffic window, cars alone
        from :data:`~corridor_sim.engine.traffic.LEAD_S` before the period to
        :data:`~corridor_sim.engine.traffic.TAIL_S` after it (or the last trip's run-out if
        later), and also writes its queues every :data:`QUEUE_PERIOD_S` (micro only) and the
        trips of the cars still on the road at the end.
    """
    if emission_class not in HBEFA4_CLASS:
        raise SystemExit(f"bus class {emission_class} has no HBEFA4 counterpart in SUMO; use one of {sorted(HBEFA4_CLASS)}")
    _write(work / "line.add.xml", _additional(run, line))
    _write(work / "buses.rou.xml", _buses(run, line, HBEFA4_CLASS[emission_class]))
    _write(work / "persons.rou.xml", _persons(run, line))
    name = "meso" if mesoscopic else "micro"
    out = work / name
    out.mkdir(exist_ok=True)
    ops = run.operations
    begin = ops.start_s - LEAD_S if mixed_traffic else ops.start_s
    end = max(float(ops.end_s), max(float(d.max(initial=0)) for s in ops.services for d in s.departures_s)) + RUN_OUT_S
    if mixed_traffic:
        end = max(end, ops.end_s + TAIL_S)
    _write(work / "traffic.rou.xml", _traffic(run, line, begin, end) if mixed_traffic else _traffic(run, line))
    config = ET.Element("configuration")
    _section(config, "input", {"net-file": line.net_file.name, "additional-files": "line.add.xml",
                               "route-files": "buses.rou.xml,persons.rou.xml,traffic.rou.xml"})  # fmt: skip
    _section(config, "time", {"begin": f"{begin:.0f}", "end": f"{end:.0f}"})
    outputs = {"stop-output": f"{name}/stops.xml", "tripinfo-output": f"{name}/tripinfo.xml"}
    if mixed_traffic:
        outputs["tripinfo-output.write-unfinished"] = "true"
        if not mesoscopic:
            outputs |= {"queue-output": f"{name}/queues.xml", "queue-output.period": f"{QUEUE_PERIOD_S:.0f}"}
    _section(config, "output", outputs)
    _section(config, "processing", {"ignore-route-errors": "true", "time-to-teleport": "300"})
    _section(config, "emissions", {"device.emissions.probability": "1"})
    _section(config, "report", {"no-step-log": "true", "duration-log.statistics": "true", "no-warnings": "true"})
    _section(config, "random_number", {"seed": str(run.scenario.seed)})
    if mesoscopic:
        # SUMO 1.28 meso with a queue per lane (meso-lane-queue) segfaults at its first step with
        # the cars on the line without a bus lane: one queue per edge there
        meso = {"mesosim": "true", "meso-junction-control": "true"} | ({} if mixed_traffic else {"meso-lane-queue": "true"})
        _section(config, "mesoscopic", meso)
    path = work / f"{name}.sumocfg"
    _write(path, config)
    return path


def _write(path: Path, root: ET.Element) -> None:
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _section(config: ET.Element, name: str, values: dict[str, str]) -> None:
    section = ET.SubElement(config, name)
    for key, value in values.items():
        ET.SubElement(section, key, value=value)


def _additional(run: Run, line: LineNetwork) -> ET.Element:
    """Bus stops and the signal programs: green with the line for corridor-sim's green time from its offset."""
    root = ET.Element("additional")
    for stops in line.stops:
        for stop in stops:
            ET.SubElement(
                root, "busStop", id=stop.id, lane=stop.lane, startPos=f"{stop.start_m}", endPos=f"{stop.end_m}", lines="brt"
            )
    layout = run.operations.layouts[0]
    for signal in line.signals:
        cycle, green, offset = layout.cycle_s[signal.signal], layout.green_s[signal.signal], layout.offset_s[signal.signal]
        tl = ET.SubElement(root, "tlLogic", id=signal.node, type="static", programID="corridor_sim", offset=f"{offset:.1f}")
        other = cycle - green - 2 * AMBER_S
        for line_state, other_state, duration in (("G", "r", green), ("y", "r", AMBER_S), ("r", "G", other), ("r", "y", AMBER_S)):
            state = "".join(line_state if on_line else other_state for on_line in signal.line_links)
            ET.SubElement(tl, "phase", duration=f"{duration:.1f}", state=state)
    return root


def _buses(run: Run, line: LineNetwork, hbefa_class: str) -> ET.Element:
    """The bus type and one vehicle per scheduled departure, stopping at every station."""
    fleet = run.operations.fleets[0]  # the Bole Road benchmark runs one bus type
    v = fleet.vehicle
    root = ET.Element("routes")
    ET.SubElement(
        root, "vType", id="brt", vClass="bus", length=f"{v.length_m:g}", minGap=f"{MIN_GAP_M}", accel=f"{v.accel_ms2}", decel=f"{v.decel_ms2}",
        maxSpeed=f"{v.max_speed_kmh / 3.6:.3f}", sigma="0", speedDev="0", personCapacity=str(v.capacity_pax),
        boardingDuration=f"{fleet.dwell.boarding_s / fleet.dwell.boarding_channels:.3f}", emissionClass=hbefa_class,
    )  # fmt: skip
    departures = sorted((t, d) for plan in run.operations.services for d in (0, 1) for t in plan.departures_s[d])
    for k, (t, d) in enumerate(departures):
        first, last = line.stops[d][0], line.stops[d][-1]
        bus = ET.SubElement(
            root, "vehicle", id=f"bus{k}_{d}", type="brt", depart=f"{t:.1f}", line="brt", departLane=first.lane.rsplit("_", 1)[1],
            departPos=f"{first.end_m}", departSpeed="0", arrivalPos=f"{last.end_m}",
        )  # fmt: skip
        ET.SubElement(bus, "route", edges=" ".join(line.routes[d]))
        for stop in line.stops[d]:
            ET.SubElement(bus, "stop", busStop=stop.id, duration="0")
    return root


def _persons(run: Run, line: LineNetwork) -> ET.Element:
    """corridor-sim's passengers: each waits at its origin platform from its arrival and rides to its destination."""
    p = run.trace.passengers
    stop = {(s.station, s.direction): s for stops in line.stops for s in stops}
    root = ET.Element("routes")
    direction = p.direction
    for k in np.argsort(p.arrive_s, kind="stable"):
        origin = stop[(int(p.origin[k]), int(direction[k]))]
        person = ET.SubElement(
            root, "person", id=f"p{k}", depart=f"{p.arrive_s[k]:.2f}", departPos=f"{(origin.start_m + origin.end_m) / 2:.2f}"
        )
        ET.SubElement(
            person,
            "ride",
            attrib={
                "from": origin.lane.rsplit("_", 1)[0],
                "busStop": stop[(int(p.destination[k]), int(direction[k]))].id,
                "lines": "brt",
            },
        )
    return root


def _traffic(run: Run, line: LineNetwork, begin_s: float | None = None, end_s: float | None = None) -> ET.Element:
    """Cars along the whole line in each direction at the period's first volume.

    Beside a bus lane (``begin_s`` None): corridor-sim's volume per general lane times the
    line's narrowest general carriageway (rounded lanes), in both directions, from the start of
    the period to its end. In mixed traffic (``begin_s`` and ``end_s`` given): as corridor-sim's
    traffic model feeds its entry, the volume per lane times the lanes of that direction's first
    segment, from ``begin_s`` to ``end_s``.
    """
    ops, corridor = run.operations, run.corridor
    volume = float(volume_per_lane(run.scenario.traffic)[time_bin(ops.start_s)])
    if begin_s is None or end_s is None:
        vph = (volume * float(np.min(np.round(corridor.lanes))),) * 2
        begin_s, end_s = ops.start_s, ops.end_s
    else:
        vph = (volume * float(corridor.lanes[0]), volume * float(corridor.lanes[-1]))
    root = ET.Element("routes")
    ET.SubElement(root, "vType", id="car", vClass="passenger", length="4.5", accel="2.6", decel="4.5")
    for d in (0, 1):
        if vph[d] > 0:
            flow = ET.SubElement(root, "flow", id=f"traffic_{d}", type="car", begin=f"{begin_s:.0f}", end=f"{end_s:.0f}",
                                 vehsPerHour=f"{vph[d]:.0f}", departLane="best", departSpeed="max")  # fmt: skip
            ET.SubElement(flow, "route", edges=" ".join(line.routes[d]))
    return root
