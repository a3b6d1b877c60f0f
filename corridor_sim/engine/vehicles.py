"""Bus types: capacity, doors and motion, with the sources of each default."""

from __future__ import annotations

from dataclasses import dataclass, replace

from corridor_sim.scenario import Vehicle

#: Saturation headway of buses (s): one bus after another crossing a stop line in green, or
#: leaving a linear stop behind the bus in front. HCM 2010's 2 s for a passenger car times its
#: heavy-vehicle equivalent E_T = 2.0 [M].
SATURATION_HEADWAY_S = 4.0


@dataclass(frozen=True)
class VehicleType:
    """A bus type.

    Attributes
    ----------
    name
        Type key (``brt_18m``, ``brt_12m``, ``minibus_14``, ``minibus_33``).
    capacity_pax
        Passengers at the design load (seated + standing).
    seats
        Seats; boarding is slower once passengers stand (see :mod:`corridor_sim.engine.dwell`).
    door_channels
        Boarding / alighting streams on the platform side (a double-width door is two).
    accel_ms2, decel_ms2
        Mean acceleration from rest to cruise and deceleration to a stop (m/s2).
    max_speed_kmh
        Top speed in service.
    length_m
        Length over all (a bus queue's length, with the gap between buses).
    """

    name: str
    capacity_pax: int
    seats: int
    door_channels: int
    accel_ms2: float
    decel_ms2: float
    max_speed_kmh: float
    length_m: float


#: Default bus types. Capacities: DART Dar es Salaam fleet, 18 m articulated 150-155 pax and 12 m
#: 80 pax (anchors.md 2.3, [H]); seats: typical BRT layouts (about a quarter of capacity, [L]).
#: Door channels: 18 m BRT buses have 3-4 double-width platform-side doors; we count 4 channels,
#: 12 m buses 3 ([L], check against the procured model). Acceleration 1.0-1.2 m/s2 and
#: deceleration 1.2 m/s2: TCQSM 3rd ed. ch. 6 typical service values for diesel buses ([L]).
#: Minibuses (matatus, taxis): licensed seats only, 14 (Toyota HiAce class) and 33 (Isuzu / Nissan
#: "mini-bus" class), no standees by law; one sliding door, entered one at a time; light-vehicle
#: acceleration 1.5 m/s2 for the 14-seater, 1.2 for the 33-seater ([L]). Lengths: the types' names for
#: the BRT buses [D]; a Toyota HiAce high-roof 5.4 m and an Isuzu NQR-class 33-seater 8.5 m ([L]).
VEHICLE_TYPES: dict[str, VehicleType] = {
    "brt_18m": VehicleType(
        "brt_18m", capacity_pax=150, seats=40, door_channels=4, accel_ms2=1.0, decel_ms2=1.2, max_speed_kmh=70.0, length_m=18.0
    ),
    "brt_12m": VehicleType(
        "brt_12m", capacity_pax=80, seats=30, door_channels=3, accel_ms2=1.2, decel_ms2=1.2, max_speed_kmh=70.0, length_m=12.0
    ),
    "minibus_14": VehicleType(
        "minibus_14", capacity_pax=14, seats=14, door_channels=1, accel_ms2=1.5, decel_ms2=1.5, max_speed_kmh=80.0, length_m=5.4
    ),
    "minibus_33": VehicleType(
        "minibus_33", capacity_pax=33, seats=33, door_channels=1, accel_ms2=1.2, decel_ms2=1.2, max_speed_kmh=70.0, length_m=8.5
    ),
}


#: Fields of a scenario's vehicle that are not the type's (emission class, door streams, fleet size).
NOT_TYPE_FIELDS = {"type", "propulsion", "boarding_channels", "alighting_channels", "buses"}


def vehicle_type(spec: Vehicle) -> VehicleType:
    """A scenario's bus type: the defaults of ``spec.type`` with its set fields applied."""
    base = VEHICLE_TYPES[spec.type]
    return replace(base, **{k: v for k, v in spec.model_dump(exclude=NOT_TYPE_FIELDS).items() if v is not None})
