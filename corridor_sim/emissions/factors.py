"""Emission factors by vehicle class: the documented table, its COPERT-form coefficients, and the
carbon, grid and real-world factors.

Every class has CO2, NOx and exhaust PM2.5 in g/km (electric buses: kWh/km from the grid) at
10, 20, 30 and 50 km/h, and idle rates in g/h (electric: kW). Between and around those points a
factor follows the COPERT / EMEP-EEA functional form (anchors.md 3.1)::

    EF(V) = (alpha V^2 + beta V + gamma + delta / V) / (epsilon V^2 + zeta V + eta) (1 - RF) k

with ``epsilon = zeta = 0``, ``eta = 1``, ``RF = 0``, ``k = 1``: the four remaining coefficients
are solved so that the curve passes through the four documented points exactly
(:func:`coefficients`). The speed is held within [10, 60] km/h (the COPERT rows' Vmin / Vmax):
below 10 km/h the ``delta / V`` term would grow without bound, and above 50 km/h the curves are
extrapolated to 60 km/h only. Fuel is CO2 over the fuel's carbon factor (g CO2 per g fuel).

Sources of the points (tags as in anchors.md: [C] computed with a named tool, [D] derived here,
[L] assumed, check before use):

- 20, 30, 50 km/h CO2 and NOx: HBEFA 4.2 through SUMO's ``emissionsDrivingCycle`` at constant
  speed (anchors.md 3.2) [C] for the classes with their own HBEFA row (the ``HBEFA_PROXY`` column).
- 10 km/h: the 20 km/h value times the ratio anchors.md 3.2 gives for the 12 m Euro III bus at
  10 km/h (CO2 x1.443, NOx x1.70) for buses; x1.6 CO2 and x1.2 NOx for light vehicles, x1.4 CO2
  for motorcycles (within the "1.4-1.9x" of anchors.md 3.2) [D]. PM2.5 x1.5 (buses), x1.2 [L].
- PM2.5 is *exhaust* PM: HBEFA's PMx is PM10 exhaust plus non-exhaust. For buses the non-exhaust
  part is taken as the Euro VI PMx minus 0.01 g/km (Euro VI exhaust), and subtracted from each
  Euro class's PMx [D]; light vehicles: PMx minus the EMEP Tier 1 non-exhaust PM10 (LCV
  0.03 g/km, motorcycle 0.0095) [L]; petrol car 0.002 g/km (Euro 4 exhaust) [L].
- Idle: anchors.md 3.2 idle rates [C] (mg/s x 3.6 = g/h); other Euro classes scaled by their
  20 km/h NOx and PM2.5 ratios to Euro III [D].

Deviations of more than 20 % from the HBEFA 4.2 values of anchors.md 3.2 (checked by the tests,
class and pollutant as ``class/pollutant``; see :data:`HBEFA4_G_PER_KM`):

- ``bus_12m_euro_ii/pm``, ``bus_12m_euro_iii/pm``, ``bus_12m_euro_v/pm``, ``bus_12m_euro_vi/pm``,
  ``bus_18m_euro_ii/pm``, ``bus_18m_euro_iii/pm``, ``bus_18m_euro_v/pm``, ``bus_18m_euro_vi/pm``,
  ``car/pm``, ``motorcycle/pm``: the table holds exhaust PM2.5 and HBEFA's PMx holds PM10 exhaust
  plus tyre, brake and road wear, which is 0.13-0.26 g/km for a bus and most of a clean
  vehicle's PMx (Euro VI: 0.27 against 0.01). (The 14-seat minibus stays within 20 %: its
  LCV proxy's PMx is mostly exhaust.)
- ``bus_18m_euro_ii/nox``, ``bus_18m_euro_v/nox``: no articulated Euro II or V row in anchors.md;
  derived as the 18 m Euro III row times the 12 m Euro II (or Euro IV SCR) to Euro III ratio and
  compared with 18 m Euro III, so the deviation is the Euro class's own difference. (The 12 m
  Euro V bus uses the Euro IV SCR row: SCR is cold and little used at urban speeds, so Euro V
  urban NOx stays close to Euro IV's.)
- ``bus_12m_cng/pm``, ``bus_18m_cng/pm``: compared with the diesel Euro VI row; a stoichiometric
  CNG engine emits almost no exhaust PM (0.005 g/km) [L].
- ``minibus_33/co2``, ``minibus_33/nox``, ``minibus_33/pm``: a 33-seat minibus (7-8 t, Isuzu /
  Nissan class) has no HBEFA row in anchors.md; taken as 0.6 of the 12 m Euro II bus (mass ratio)
  [L] and compared with it.

Starts from rest: the average-speed curves hold constant speed, so each start from rest (leaving a
stop, a red signal, a queue at a stop line) is charged apart: the grams HBEFA4's instantaneous
model charges for accelerating from rest to the speed and braking back, beyond the same distance at
constant speed, at 10, 20, 30 and 50 km/h (:data:`START_G`, from SUMO's ``emissionsDrivingCycle``
with each class's acceleration: ``python benchmarks/start_emissions.py``) [C]. A class whose row
is derived from its proxy's takes the proxy's start cost times the same ratio (its 20 km/h value
over the proxy's) [D]. Electric buses: not charged (regenerative braking returns much of the
energy; no measurement here) [L]. Cars and motorcycles: general traffic's starts are not counted.

Real-world factor: East African fleets burn about twice the fuel of the HBEFA / COPERT curves
(Mbandi et al. 2019, anchors.md 3.3: matatus 33.1 L/100 km, 1.7-2.4x the HBEFA4 stop-and-go CO2)
[H measured, D ratio]. It multiplies fuel and CO2 of the *existing* fleet's classes (minibuses,
cars, motorcycles, conventional buses) and is reported as its own line; NOx and PM2.5 are not
scaled (no local measurement). New BRT buses run under a maintenance contract: factor 1 by default
(``emissions.bus_real_world_factor``) [L].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Speeds of the documented points (km/h).
SPEEDS_KMH = (10.0, 20.0, 30.0, 50.0)
#: Speed range of the curves (km/h); outside it the factor at the bound applies.
V_MIN_KMH, V_MAX_KMH = 10.0, 60.0
#: Pollutant columns of the kernel's coefficient array.
POLLUTANTS = ("co2", "nox", "pm25", "energy")

#: g CO2 per g fuel from the carbon balance CO2 = 44.011 / (12.011 + 1.008 r_H:C) x fuel
#: (EMEP/EEA 1.A.3.b, r_H:C diesel 1.86, petrol 1.80, natural gas 3.9) [D].
CARBON_G_PER_G = {"diesel": 3.169, "petrol": 3.183, "cng": 2.75, "electric": 0.0}


@dataclass(frozen=True)
class VehicleClass:
    """One row of the table: factors at :data:`SPEEDS_KMH` and idle rates.

    Attributes
    ----------
    fuel
        ``diesel``, ``petrol``, ``cng`` or ``electric``.
    co2_g_km, nox_g_km, pm25_g_km
        Tailpipe CO2, NOx and exhaust PM2.5 at 10, 20, 30 and 50 km/h (g/km).
    energy_kwh_km
        Electricity from the grid at those speeds, charging losses included (kWh/km).
    idle_co2_g_h, idle_nox_g_h, idle_pm25_g_h, idle_kw
        Rates at standstill with the engine (or auxiliaries) on.
    existing_fleet
        The real-world factor applies (vehicles on East African roads today).
    hbefa_proxy
        The anchors.md 3.2 row it is compared with.
    note
        Where the values come from.
    """

    fuel: str
    co2_g_km: tuple[float, float, float, float]
    nox_g_km: tuple[float, float, float, float]
    pm25_g_km: tuple[float, float, float, float]
    idle_co2_g_h: float
    idle_nox_g_h: float
    idle_pm25_g_h: float
    existing_fleet: bool
    hbefa_proxy: str | None
    note: str
    energy_kwh_km: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    idle_kw: float = 0.0


_NONE = (0.0, 0.0, 0.0, 0.0)

#: The documented table (see the module docstring for the sources and the HBEFA cross-check).
VEHICLE_CLASSES: dict[str, VehicleClass] = {
    "bus_12m_euro_ii": VehicleClass("diesel", (1821, 1262, 1076, 927), (25.8, 15.2, 11.8, 9.1), (0.50, 0.33, 0.24, 0.18), 11390, 211, 11.1, True, "UBus_Std_gt15-18t_Euro-II", "HBEFA4 [C]; PM2.5 [D]"),
    "bus_12m_euro_iii": VehicleClass("diesel", (1857, 1287, 1097, 946), (21.6, 12.7, 9.7, 7.3), (0.45, 0.30, 0.22, 0.16), 11390, 176, 10.1, False, "UBus_Std_gt15-18t_Euro-III", "HBEFA4 [C]; PM2.5 [D]"),
    "bus_12m_euro_v": VehicleClass("diesel", (1739, 1205, 1039, 905), (12.1, 7.1, 5.2, 3.8), (0.15, 0.10, 0.07, 0.04), 11390, 98.6, 3.4, False, "UBus_Std_gt15-18t_Euro-IV_SCR", "HBEFA4 Euro IV SCR row [C]"),
    "bus_12m_euro_vi": VehicleClass("diesel", (1661, 1151, 984, 851), (1.36, 0.80, 0.57, 0.44), (0.015, 0.010, 0.010, 0.010), 11390, 11.1, 0.34, False, "UBus_Std_gt15-18t_Euro-VI_A-C", "HBEFA4 [C]"),
    "bus_18m_euro_ii": VehicleClass("diesel", (2612, 1810, 1480, 1210), (37.2, 21.9, 16.3, 11.8), (0.63, 0.418, 0.316, 0.225), 20246, 349, 11.4, False, "UBus_Artic_gt18t_Euro-III", "18 m Euro III x 12 m Euro II / III [D]"),
    "bus_18m_euro_iii": VehicleClass("diesel", (2658, 1842, 1504, 1234), (31.1, 18.3, 13.4, 9.5), (0.57, 0.38, 0.29, 0.20), 20246, 292, 10.4, False, "UBus_Artic_gt18t_Euro-III", "HBEFA4 [C]; PM2.5 [D]"),
    "bus_18m_euro_v": VehicleClass("diesel", (2482, 1720, 1420, 1180), (17.3, 10.2, 7.18, 4.95), (0.19, 0.127, 0.0923, 0.05), 20246, 163, 3.5, False, "UBus_Artic_gt18t_Euro-III", "18 m Euro III x 12 m Euro IV SCR / III [D]"),
    "bus_18m_euro_vi": VehicleClass("diesel", (2426, 1681, 1380, 1140), (1.67, 0.98, 0.70, 0.58), (0.015, 0.010, 0.010, 0.010), 20246, 15.6, 0.35, False, "UBus_Artic_gt18t_Euro-VI_A-C", "HBEFA4 [C]"),
    "bus_12m_cng": VehicleClass("cng", (1661, 1151, 984, 851), (1.36, 0.80, 0.57, 0.44), (0.005, 0.005, 0.005, 0.005), 11390, 11.1, 0.17, False, "UBus_Std_gt15-18t_Euro-VI_A-C", "as diesel Euro VI: lower carbon content offset by spark-ignition losses [L]"),
    "bus_18m_cng": VehicleClass("cng", (2426, 1681, 1380, 1140), (1.67, 0.98, 0.70, 0.58), (0.005, 0.005, 0.005, 0.005), 20246, 15.6, 0.17, False, "UBus_Artic_gt18t_Euro-VI_A-C", "as diesel Euro VI [L]"),
    "bus_12m_electric": VehicleClass("electric", _NONE, _NONE, _NONE, 0, 0, 0, False, None, "0.9 kWh/km traction + 8 kW auxiliaries [L]", (1.70, 1.30, 1.1667, 1.06), 8.0),
    "bus_18m_electric": VehicleClass("electric", _NONE, _NONE, _NONE, 0, 0, 0, False, None, "1.3 kWh/km traction + 12 kW auxiliaries [L]", (2.50, 1.90, 1.70, 1.54), 12.0),
    "minibus_14": VehicleClass("diesel", (797, 498, 363, 288), (0.98, 0.82, 0.70, 0.70), (0.22, 0.18, 0.17, 0.17), 5854, 19.4, 2.27, True, "LCV_diesel_N1-III_Euro-2", "HBEFA4 LCV proxy [C]; idle LCV Euro 3 [C]"),
    "minibus_33": VehicleClass("diesel", (1093, 757, 646, 556), (15.5, 9.12, 7.08, 5.46), (0.30, 0.20, 0.14, 0.11), 6834, 127, 6.7, True, "UBus_Std_gt15-18t_Euro-II", "0.6 x 12 m Euro II [L]"),
    "car": VehicleClass("petrol", (469, 293, 206, 148), (0.13, 0.11, 0.08, 0.06), (0.002, 0.002, 0.002, 0.002), 5476, 2.16, 0.0, True, "PC_petrol_Euro-4", "HBEFA4 [C]"),
    "motorcycle": VehicleClass("petrol", (76, 54, 44, 41), (0.32, 0.27, 0.20, 0.19), (0.022, 0.018, 0.012, 0.010), 763, 4.68, 0.50, True, "MC_4S_le250cc_preEuro", "HBEFA4 [C]; idle MC Euro 1 [C]"),
}  # fmt: skip

#: HBEFA 4.2 g/km at 20, 30 and 50 km/h (anchors.md 3.2 [C]); PMx is PM10 exhaust + non-exhaust.
HBEFA4_G_PER_KM: dict[str, dict[str, tuple[float, float, float]]] = {
    "UBus_Std_gt15-18t_Euro-II": {"co2": (1262, 1076, 927), "nox": (15.2, 11.8, 9.1), "pm": (0.59, 0.42, 0.31)},
    "UBus_Std_gt15-18t_Euro-III": {"co2": (1287, 1097, 946), "nox": (12.7, 9.7, 7.3), "pm": (0.56, 0.40, 0.29)},
    "UBus_Std_gt15-18t_Euro-IV_SCR": {"co2": (1205, 1039, 905), "nox": (7.1, 5.2, 3.8), "pm": (0.36, 0.25, 0.17)},
    "UBus_Std_gt15-18t_Euro-VI_A-C": {"co2": (1151, 984, 851), "nox": (0.80, 0.57, 0.44), "pm": (0.27, 0.19, 0.14)},
    "UBus_Artic_gt18t_Euro-III": {"co2": (1842, 1504, 1234), "nox": (18.3, 13.4, 9.5), "pm": (0.64, 0.47, 0.34)},
    "UBus_Artic_gt18t_Euro-VI_A-C": {"co2": (1681, 1380, 1140), "nox": (0.98, 0.70, 0.58), "pm": (0.27, 0.19, 0.15)},
    "LCV_diesel_N1-III_Euro-2": {"co2": (498, 363, 288), "nox": (0.82, 0.70, 0.70), "pm": (0.21, 0.20, 0.20)},
    "PC_petrol_Euro-4": {"co2": (293, 206, 148), "nox": (0.11, 0.08, 0.06), "pm": (0.027, 0.027, 0.029)},
    "MC_4S_le250cc_preEuro": {"co2": (54, 44, 41), "nox": (0.27, 0.20, 0.19), "pm": (0.027, 0.021, 0.019)},
}  # fmt: skip

#: CO2 and NOx (g) of one start from rest to 10, 20, 30 and 50 km/h and back, beyond the same distance at
#: constant speed, per HBEFA4 class (SUMO 1.28 ``emissionsDrivingCycle``, ``benchmarks/start_emissions.py``) [C].
START_G: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "LCV_diesel_N1-III_Euro-2": {"co2": (5.3, 11.8, 21.8, 53.3), "nox": (0.007, 0.019, 0.038, 0.098)},
    "UBus_Artic_gt18t_Euro-III": {"co2": (29.4, 64.9, 112.4, 246.0), "nox": (0.363, 0.735, 1.209, 2.475)},
    "UBus_Artic_gt18t_Euro-VI_A-C": {"co2": (30.7, 67.2, 116.9, 248.4), "nox": (0.012, 0.010, 0.015, 0.025)},
    "UBus_Std_gt15-18t_Euro-II": {"co2": (15.5, 35.6, 65.9, 154.7), "nox": (0.237, 0.504, 0.859, 1.870)},
    "UBus_Std_gt15-18t_Euro-III": {"co2": (15.8, 36.5, 67.7, 158.9), "nox": (0.187, 0.372, 0.654, 1.475)},
    "UBus_Std_gt15-18t_Euro-IV_SCR": {"co2": (15.8, 37.9, 69.2, 159.8), "nox": (0.082, 0.093, 0.162, 0.378)},
    "UBus_Std_gt15-18t_Euro-VI_A-C": {"co2": (16.6, 39.1, 70.4, 160.0), "nox": (0.009, 0.005, 0.006, 0.006)},
}  # fmt: skip

CLASS_NAMES: tuple[str, ...] = tuple(VEHICLE_CLASSES)


def start_g(row: VehicleClass) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """CO2 and NOx (g) of one start from rest at :data:`SPEEDS_KMH` for a class (zeros where not charged)."""
    if row.fuel == "electric" or row.hbefa_proxy not in START_G:
        return _NONE, _NONE
    proxy, ref = START_G[row.hbefa_proxy], HBEFA4_G_PER_KM[row.hbefa_proxy]
    co2_ratio = row.co2_g_km[1] / ref["co2"][0]  # 20 km/h: this class's value over its proxy's (1 for a proxy's own row)
    nox_ratio = row.nox_g_km[1] / ref["nox"][0]
    return tuple(g * co2_ratio for g in proxy["co2"]), tuple(g * nox_ratio for g in proxy["nox"])


def bus_class(vehicle_type: str, propulsion: str) -> str:
    """The emission class of a bus: ``brt_18m`` + ``diesel_euro_v`` -> ``bus_18m_euro_v``.

    Minibuses are their own classes (``minibus_14``, ``minibus_33``: the existing diesel fleet)
    whatever the propulsion.
    """
    if vehicle_type.startswith("minibus_"):
        return vehicle_type
    size = vehicle_type.removeprefix("brt_")
    return f"bus_{size}_{propulsion.removeprefix('diesel_')}"


def coefficients(points: tuple[float, float, float, float]) -> np.ndarray:
    """COPERT-form coefficients ``(alpha, beta, gamma, delta)`` through the four documented points.

    Parameters
    ----------
    points
        Factor at :data:`SPEEDS_KMH` (g/km or kWh/km).

    Returns
    -------
    numpy.ndarray
        ``alpha, beta, gamma, delta`` of ``alpha V^2 + beta V + gamma + delta / V``.
    """
    v = np.asarray(SPEEDS_KMH)
    basis = np.stack([v**2, v, np.ones_like(v), 1.0 / v], axis=1)
    return np.linalg.solve(basis, np.asarray(points, dtype=float))


@dataclass(frozen=True)
class FactorArrays:
    """The table as the kernel reads it, for an ordered list of classes.

    Attributes
    ----------
    names
        Class names; row ``i`` of every array is ``names[i]``.
    coef
        COPERT-form coefficients (n_classes, 4 pollutants, 4): CO2, NOx, PM2.5 (g/km), energy (kWh/km).
    idle_per_s
        Idle rates (n_classes, 4): CO2, NOx, PM2.5 (g/s), energy (kWh/s).
    carbon_g_per_g
        g CO2 per g fuel (0 for electric).
    real_world
        Fuel and CO2 multiplier of each class.
    start_g
        (n_classes, 2, 4): CO2 and NOx grams of a start from rest at :data:`SPEEDS_KMH`.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    idle_per_s: np.ndarray
    carbon_g_per_g: np.ndarray
    real_world: np.ndarray
    start_g: np.ndarray


def factor_arrays(classes: dict[str, VehicleClass], real_world_factor: float, bus_real_world_factor: float) -> FactorArrays:
    """The kernel's arrays for ``classes``.

    Parameters
    ----------
    classes
        The table (the documented one with any scenario overrides applied).
    real_world_factor
        Fuel / CO2 multiplier of the existing fleet's classes.
    bus_real_world_factor
        The same for the other classes (new BRT buses).
    """
    names = tuple(classes)
    coef = np.zeros((len(names), len(POLLUTANTS), 4))
    idle = np.zeros((len(names), len(POLLUTANTS)))
    for i, row in enumerate(classes.values()):
        for j, points in enumerate((row.co2_g_km, row.nox_g_km, row.pm25_g_km, row.energy_kwh_km)):
            coef[i, j] = coefficients(points)
        idle[i] = (row.idle_co2_g_h / 3600.0, row.idle_nox_g_h / 3600.0, row.idle_pm25_g_h / 3600.0, row.idle_kw / 3600.0)
    return FactorArrays(
        names=names,
        coef=coef,
        idle_per_s=idle,
        carbon_g_per_g=np.array([CARBON_G_PER_G[row.fuel] for row in classes.values()]),
        real_world=np.array([real_world_factor if row.existing_fleet else bus_real_world_factor for row in classes.values()]),
        start_g=np.array([start_g(row) for row in classes.values()], dtype=float).reshape(len(names), 2, len(SPEEDS_KMH)),
    )


def hbefa_deviations() -> dict[str, float]:
    """Largest relative deviation of each ``class/pollutant`` from its HBEFA 4.2 row at 20, 30 and 50 km/h."""
    out = {}
    for name, row in VEHICLE_CLASSES.items():
        if row.hbefa_proxy is None:
            continue
        ref = HBEFA4_G_PER_KM[row.hbefa_proxy]
        for key, ours in (("co2", row.co2_g_km), ("nox", row.nox_g_km), ("pm", row.pm25_g_km)):
            out[f"{name}/{key}"] = max(abs(o / r - 1.0) for o, r in zip(ours[1:], ref[key], strict=True))
    return out
