"""Pedestrian crossing delay: the time a walker loses crossing the corridor road to reach a stop.

- **Signalized** (HCM 2010 ch. 18, pedestrian delay): ``(C - g) ** 2 / (2 C)`` with ``C`` the
  cycle and ``g`` the pedestrians' green, here the corridor's red, ``(1 - green_share) C``.
- **Unsignalized** (HCM 2010 ch. 19, waiting for an adequate gap): the critical gap is
  ``t_c = width / speed + t_s`` (start-up and clearance ``t_s = 3 s``) and the mean delay
  ``(exp(v t_c) - v t_c - 1) / v`` with ``v`` the conflicting vehicles per second. Above
  :data:`MAX_GAP_DELAY_S` walkers force their way through traffic rather than wait (HCM notes the
  likelihood of risk-taking rises beyond 30 s) [L]; a crossing's delay is capped there.
- **Grade-separated**: a footbridge's stairs and ramps, :data:`FOOTBRIDGE_S` [L].

A refuge island splits a crossing into two stages, each over one carriageway and its flow.
The crossing's width is the lanes crossed times :data:`LANE_WIDTH_M`.
"""

from __future__ import annotations

import numpy as np

LANE_WIDTH_M = 3.5
STARTUP_S = 3.0
MAX_GAP_DELAY_S = 60.0
FOOTBRIDGE_S = 45.0  # climbing and descending about 6 m each way, with the ramp's detour [L]


def signalized_delay_s(cycle_s: np.ndarray, green_share: np.ndarray) -> np.ndarray:
    """Mean wait at a signalized crossing whose walk phase is the corridor's red (s)."""
    walk_green_s = (1.0 - green_share) * cycle_s
    return (cycle_s - walk_green_s) ** 2 / (2.0 * cycle_s)


def gap_delay_s(lanes: np.ndarray, flow_vph: np.ndarray, walk_speed_ms: float) -> np.ndarray:
    """Mean wait for a gap to cross ``lanes`` lanes carrying ``flow_vph`` vehicles per hour (s), uncapped."""
    v = np.maximum(np.asarray(flow_vph, dtype=float), 1e-9) / 3600.0
    critical_s = lanes * LANE_WIDTH_M / walk_speed_ms + STARTUP_S
    x = np.minimum(v * critical_s, 50.0)
    return (np.expm1(x) - x) / v


def crossing_time_s(
    kind: np.ndarray,
    lanes_per_direction: np.ndarray,
    carriageways: np.ndarray,
    flow_vph_per_lane: np.ndarray,
    cycle_s: np.ndarray,
    green_share: np.ndarray,
    refuge: np.ndarray,
    walk_speed_ms: float,
) -> np.ndarray:
    """Delay plus walking time of one crossing (s), element-wise.

    Parameters
    ----------
    kind
        ``"signalized"``, ``"unsignalized"`` or ``"grade_separated"``.
    lanes_per_direction
        General lanes of one carriageway.
    carriageways
        Carriageways crossed (1 to reach a median station, 2 to cross the road).
    flow_vph_per_lane
        General traffic per lane.
    cycle_s, green_share
        The nearest signal's timing.
    refuge
        A refuge island between the carriageways (two stages).
    walk_speed_ms
        Walking speed.
    """
    kind = np.asarray(kind)
    lanes = lanes_per_direction * carriageways
    walk_s = lanes * LANE_WIDTH_M / walk_speed_ms
    one_stage = gap_delay_s(lanes, lanes * flow_vph_per_lane, walk_speed_ms)
    two_stages = carriageways * gap_delay_s(lanes_per_direction, lanes_per_direction * flow_vph_per_lane, walk_speed_ms)
    unsignalized = np.minimum(np.where(refuge & (carriageways > 1), two_stages, one_stage), MAX_GAP_DELAY_S)
    delay = np.select(
        [kind == "signalized", kind == "grade_separated"],
        [signalized_delay_s(cycle_s, green_share), np.full(np.shape(walk_s), FOOTBRIDGE_S)],
        unsignalized,
    )
    return delay + walk_s
