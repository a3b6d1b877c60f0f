"""The warm-up before the counted period: its default length, and the clock tables inside it.

Without a warm-up a run starts with an empty corridor: no bus on the line and no passenger on a
platform, while passengers arrive at the full rate. The first buses then take the stations' whole
first headway's crowd and more, and a 24 km line needs about 20 minutes before its middle sees a
bus: the first hour's waits and denied boardings say more about the empty start than about the
design. With ``period.warm_up_min`` the buses, the general traffic and the passengers run from
``start - warm_up`` on, and every indicator counts from ``start`` (see
:meth:`corridor_sim.engine.trace.Trace.counted_from`).

**Default length** (:func:`default_warm_up_min`): one cycle of the longest service, both
directions' run time plus a layover at each terminal, so that every bus the period starts with
has been round the line once and a fleet-limited timetable already runs late as it will later
(a shorter warm-up of one one-way run fills the platforms and the buses, but not the fleet's
turnaround). The run time is estimated on the corridor before anything runs, with the engine's
own parts, none of them fitted:

- between stops, the cruise time at each segment's speed limit (at most the bus's top speed),
  plus the acceleration and braking loss ``v / (2 a) + v / (2 b)`` of a stop (a leg too short to
  reach cruise speed: ``sqrt(2 d (a + b) / (a b))``), as :mod:`corridor_sim.kernels.motion` runs it;
- at each signal the mean delay of a bus arriving at random, ``(r / C) (r / 2 + v / (2 a) + v / (2 b))``
  (red ``r`` of cycle ``C``; signal priority not counted);
- at each stop the dwell of :mod:`corridor_sim.engine.dwell` for the mean boarders and alighters
  of one bus: the demand at the period's start over the buses an hour that serve each pair (each
  service at its headway then, or its peak headway if it does not run then), without crowding;
- the layover, ``layover_min``, at each end.

What it leaves out makes it an underestimate where these matter: queues for a berth or a stop
line, bunching, and general traffic (on mixed-traffic segments buses run at the speed limit
here, where the run gives them the traffic's speed). Against the cycle the presets' runs measure
it is 1 % over on Bole Road, 3 % under on Jinja Road and 12 % under on Thika Road, whose 90
buses an hour queue for berths and stop lines (``tests/test_warm_up.py``). Set ``warm_up_min`` where a study knows better
(e.g. a Welch plot of the hourly waits); 0 runs without a warm-up, exactly as before it existed.

The default needs the corridor (its lengths, speed limits and signals), which a scenario file
does not hold, so it is filled by :func:`corridor_sim.resolve.resolve_warm_up` once the
corridor is built, when the run starts (:func:`corridor_sim.engine.runner.simulate`), and
written into the run's scenario (``scenario.json``). It is at most the time since 00:00 of the
period's day (the clock of a run begins there).

**Clock tables in the warm-up**: the scenario's clock times keep their meaning: peak windows,
headways, the demand profile, ``reverse_after``, traffic volumes and turn shares apply in the
warm-up as at any other time. Where a table has no entry yet (its first clock time is after the
warm-up's start, typically the period's start), the warm-up holds the value the table has at
the period's start (:func:`held_in_warm_up`), as the traffic model's lead before a run always did:
otherwise a demand profile would give the peak hour's factor (1.0 before its first entry) and a
volume table an empty road before the period. Without ``peak_hours`` the whole run, warm-up
included, is peak.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from corridor_sim.engine.dwell import dwell_model
from corridor_sim.engine.timetable import headway_s, peak_windows
from corridor_sim.engine.vehicles import vehicle_type

if TYPE_CHECKING:
    from corridor_sim.corridor import Corridor
    from corridor_sim.demand import Demand
    from corridor_sim.scenario import Scenario


def cycle_times_s(scenario: Scenario, corridor: Corridor, demand: Demand | None) -> dict[str, float]:
    """Each service's estimated cycle: both directions' run time plus a layover at each end (s).

    Parameters
    ----------
    scenario
        The scenario (its services, vehicles, dwell, layover and period start).
    corridor
        Its corridor (segment lengths, speed limits, signals).
    demand
        The OD flows the run carries (their rates at the period's start set the dwell); ``None``:
        door time alone at every stop.

    Returns
    -------
    dict of str to float
        Seconds, by service key (see the module docstring for the estimate).
    """
    n = len(corridor.station_name)
    start = float(scenario.period.start_s)
    peaks = peak_windows(scenario)
    names = list(corridor.station_name)
    serves = np.zeros((len(scenario.services), n), dtype=bool)
    per_h = np.zeros(len(scenario.services))
    for k, service in enumerate(scenario.services.values()):
        serves[k, np.arange(n) if service.stops == "all" else [names.index(s) for s in service.stops]] = True
        per_h[k] = 3600.0 / (headway_s(service, start, peaks) or service.peak_headway_min * 60.0)
    od = demand.od_pax_h(start) if demand is not None else np.zeros((n, n))
    # buses an hour serving each pair, and each pair's passengers per such bus
    pair_buses_h = np.einsum("k,ki,kj->ij", per_h, serves.astype(float), serves.astype(float))
    per_bus = np.divide(od, pair_buses_h, out=np.zeros((n, n)), where=pair_buses_h > 0)
    signal_seg = np.clip(np.searchsorted(corridor.station_chainage_m, corridor.signal_m, side="right") - 1, 0, n - 2)
    out = {}
    for k, (key, service) in enumerate(scenario.services.items()):
        spec = scenario.vehicles[service.vehicle] if service.vehicle is not None else scenario.vehicle
        vehicle = vehicle_type(spec)
        dwell = dwell_model(scenario.dwell, vehicle.door_channels, spec.boarding_channels, spec.alighting_channels)
        speed = np.minimum(corridor.speed_limit_kmh, vehicle.max_speed_kmh) / 3.6
        stop_loss_s = speed / (2.0 * vehicle.accel_ms2) + speed / (2.0 * vehicle.decel_ms2)
        cycle = corridor.signal_cycle_s[signal_seg]
        red = cycle * (1.0 - corridor.green_share[signal_seg])
        signal_s = np.bincount(signal_seg, weights=red / cycle * (red / 2.0 + stop_loss_s[signal_seg]), minlength=n - 1)
        stations = np.flatnonzero(serves[k])
        lo, hi = stations[:-1], stations[1:]
        cruise = np.concatenate([[0.0], np.cumsum(corridor.length_m / speed)])
        delay = np.concatenate([[0.0], np.cumsum(signal_s)])
        distance = corridor.station_chainage_m[hi] - corridor.station_chainage_m[lo]
        total = 0.0
        for direction in (0, 1):
            first, last = (lo, hi - 1) if direction == 0 else (hi - 1, lo)  # segments a leg leaves on and arrives by
            v_first, v_last = speed[first], speed[last]
            a, b = vehicle.accel_ms2, vehicle.decel_ms2
            reaches = distance >= np.minimum(v_first, v_last) ** 2 * (1.0 / (2.0 * a) + 1.0 / (2.0 * b))
            legs = np.where(
                reaches,
                cruise[hi] - cruise[lo] + v_first / (2.0 * a) + v_last / (2.0 * b),
                np.sqrt(2.0 * distance * (a + b) / (a * b)),
            )
            mask = serves[k][:, None] & serves[k][None, :]
            mask &= np.triu(np.ones((n, n), dtype=bool), 1) if direction == 0 else np.tril(np.ones((n, n), dtype=bool), -1)
            flows = np.where(mask, per_bus, 0.0)
            boarders, alighters = flows.sum(axis=1)[stations], flows.sum(axis=0)[stations]
            if dwell.concurrent:
                exchange = np.maximum(alighters * dwell.alighting_s / dwell.alighting_channels, boarders * dwell.boarding_s)
            else:
                exchange = alighters * dwell.alighting_s / dwell.alighting_channels
                exchange = exchange + boarders * dwell.boarding_s / dwell.boarding_channels
            total += legs.sum() + (delay[hi] - delay[lo]).sum() + (dwell.door_open_close_s + exchange).sum()
        out[key] = total + 2.0 * scenario.layover_min * 60.0
    return out


def default_warm_up_min(scenario: Scenario, corridor: Corridor, demand: Demand | None) -> float:
    """The default warm-up: the longest service's estimated cycle (:func:`cycle_times_s`), rounded up to a
    whole minute, at most the time from 00:00 to the period's start (min)."""
    longest_s = max(cycle_times_s(scenario, corridor, demand).values())
    return float(min(math.ceil(longest_s / 60.0 - 1e-9), scenario.period.start_s // 60))


def held_in_warm_up(
    values: np.ndarray, bin_starts_s: np.ndarray, first_entry_s: float, run_start_s: float, start_s: float
) -> np.ndarray:
    """A clock table by time bin with the warm-up's bins before the table's first entry holding the period start's value.

    Parameters
    ----------
    values
        The table's value per bin, as the clock gives it.
    bin_starts_s
        Start of each bin (clock s), increasing; the bins are contiguous.
    first_entry_s
        The table's first clock time (s); ``inf`` for a table without entries.
    run_start_s, start_s
        The warm-up's start and the period's start (clock s).

    Returns
    -------
    numpy.ndarray
        A copy of ``values``; unchanged when there is no warm-up.
    """
    out = np.array(values, dtype=float, copy=True)
    if run_start_s >= start_s or not np.isfinite(first_entry_s):
        return out
    width = bin_starts_s[1] - bin_starts_s[0]
    at_start = out[min(int(np.searchsorted(bin_starts_s, start_s, side="right")) - 1, len(out) - 1)]
    hold = (bin_starts_s + width > run_start_s) & (bin_starts_s < start_s) & (bin_starts_s < first_entry_s)
    out[hold] = at_start
    return out
