"""City profiles: every city default, with its source and evidence tag, as data.

A city is a file ``<networks folder>/<city>.toml`` (see :mod:`corridor_sim.network.manifest`):
its data sources and its ``[profile]``, the defaults a scenario of that city gets wherever it
sets no value of its own. A new city is a new file (``corridor-sim city new NAME --country CC``
writes one whose every value is a marked placeholder); no code changes.

Each value is a table ``{ value = ..., tag = "L", source = "...", placeholder = false }``; tags as
in the shared anchors: ``H`` read in a primary source, ``M`` secondary, ``L`` assumed or
transferred, ``D`` derived here, ``C`` computed with a named tool. A run whose scenario uses a
value marked ``placeholder`` says so in its summary (``city_profile.placeholders``), its
terminal output and its report.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

Tag = Literal["H", "M", "L", "D", "C"]


#: The appraisal's unit costs (``appraisal.costs.<key>``; :mod:`corridor_sim.appraisal.costs`).
COST_KEYS = (
    "running_way_usd_per_km",
    "station_usd",
    "terminal_usd",
    "depot_usd_per_bus",
    "bus_usd",
    "fare_its_usd",
    "nmt_works_usd",
    "bus_operating_usd",
    "vehicle_operating_usd_per_km",
    "pollution_damage_usd_per_t",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Strict, Generic[T]):
    """A default with its evidence: value, tag, source, and whether it is only a placeholder."""

    value: T
    tag: Tag
    source: str = Field(min_length=1)
    placeholder: bool = False


class CityProfile(_Strict):
    """Every city default (see the module docstring). Money is in the local ``currency``."""

    country_name: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    local_per_usd: Sourced[float] = Field(description="exchange rate, local currency per US dollar")
    gdp_per_capita_usd: Sourced[float] = Field(description="GDP per capita, current US$")
    gni_per_capita_usd: Sourced[float] = Field(description="GNI per capita, Atlas method, current US$")
    traffic_mix: Sourced[dict[str, float]] = Field(description="general traffic by vehicle class, share of vehicles")
    baseline_mode_shares: Sourced[dict[str, float]] = Field(description="previous modes of the corridor's passengers")
    occupancy_pax: Sourced[dict[str, float]] = Field(description="passengers per vehicle by class, over the day")
    real_world_factor: Sourced[float] = Field(description="fuel and CO2 multiplier of the existing fleet")
    grid_gco2_per_kwh: Sourced[float] = Field(description="grid emission factor, g CO2 per kWh delivered")
    base_deaths_per_100m_vkm: Sourced[float] = Field(description="road deaths per 100 million vehicle-km on the corridor today")
    value_of_time_per_h: Sourced[float] = Field(description="value of travel time, local currency per hour")
    brt_fare: Sourced[float] = Field(description="BRT fare per trip, local currency")
    minibus_fare: Sourced[float] = Field(description="minibus fare per trip, local currency")
    car_cost_per_km: Sourced[float] = Field(description="car fuel, wear and parking, local currency per km")
    running_way_usd_per_km: Sourced[dict[str, float]] = Field(
        description="running way works by kind, US$ per km of corridor (both directions)"
    )
    station_usd: Sourced[dict[str, float]] = Field(
        description="a station with one berth a direction, and each extra berth, sub-stop and passing lane, US$"
    )
    terminal_usd: Sourced[float] = Field(description="a terminal station, US$")
    depot_usd_per_bus: Sourced[float] = Field(description="depot land and works per bus of the fleet, US$")
    bus_usd: Sourced[dict[str, float]] = Field(description="price of a diesel bus by type, US$")
    fare_its_usd: Sourced[dict[str, float]] = Field(description="fare collection and ITS per station and per bus, US$")
    nmt_works_usd: Sourced[dict[str, float]] = Field(
        description="sidewalk per km, cycle lane per km of corridor, pedestrian crossing and refuge each, US$"
    )
    bus_operating_usd: Sourced[dict[str, float]] = Field(description="BRT operating cost per bus-km and per bus-hour, US$")
    vehicle_operating_usd_per_km: Sourced[dict[str, float]] = Field(
        description="economic operating cost of today's vehicles by class, US$ per vehicle-km"
    )
    pollution_damage_usd_per_t: Sourced[dict[str, float]] = Field(description="damage cost of NOx and PM2.5, US$ per t")

    @field_validator("local_per_usd", "gdp_per_capita_usd", "gni_per_capita_usd", "real_world_factor", "value_of_time_per_h")
    @classmethod
    def _positive(cls, item: Sourced[float]) -> Sourced[float]:
        if not item.value > 0:
            raise ValueError(f"value {item.value} must be > 0")
        return item

    @field_validator(
        "grid_gco2_per_kwh",
        "base_deaths_per_100m_vkm",
        "brt_fare",
        "minibus_fare",
        "car_cost_per_km",
        "occupancy_pax",
        *COST_KEYS,
    )
    @classmethod
    def _non_negative(cls, item: Sourced[Any]) -> Sourced[Any]:
        values = item.value.values() if isinstance(item.value, dict) else [item.value]
        if any(not v >= 0 for v in values):
            raise ValueError(f"value {item.value} must be >= 0")
        return item


#: Where each profile default lands in a scenario (dotted path), when the scenario sets none.
SCENARIO_PATHS: dict[str, str] = {
    **{key: f"appraisal.costs.{key}" for key in COST_KEYS},
    "traffic_mix": "traffic.mix",
    "baseline_mode_shares": "baseline.mode_shares",
    "occupancy_pax": "baseline.occupancy_pax",
    "real_world_factor": "emissions.real_world_factor",
    "grid_gco2_per_kwh": "emissions.grid_gco2_per_kwh",
    "base_deaths_per_100m_vkm": "safety.base_deaths_per_100m_vkm",
    "value_of_time_per_h": "mode_choice.value_of_time_per_h",
    "brt_fare": "mode_choice.brt_fare",
    "minibus_fare": "mode_choice.minibus_fare",
    "car_cost_per_km": "mode_choice.car_cost_per_km",
}
#: Profile values that describe the economy rather than fill a scenario field.
ECONOMY = ("local_per_usd", "gdp_per_capita_usd", "gni_per_capita_usd")


#: The economy values an appraisal reads (the exchange rate for the local money, GNI for the VSL).
APPRAISAL_ECONOMY = ("local_per_usd", "gni_per_capita_usd")
#: The mode-choice money an appraisal reads too (the time saved's value, the fare revenue).
APPRAISAL_MONEY = ("value_of_time_per_h", "brt_fare")


def profile_summary(profile: CityProfile, scenario_data: dict[str, Any], appraised: bool = False) -> dict[str, Any]:
    """The summary's ``city_profile`` section: the economy, and which placeholders the run used.

    A placeholder counts as used where the scenario's (resolved) value is the profile's own, i.e.
    the scenario did not replace it, and the run reads it: the mode-choice money only with mode
    choice on (the value of time and the BRT fare also in a run with an appraisal); the unit
    costs, the exchange rate and GNI per capita only in a run with an appraisal.

    Parameters
    ----------
    profile
        The city's profile.
    scenario_data
        The resolved scenario, dumped (``model_dump(mode="json")``).
    appraised
        Whether the run has an appraisal (:mod:`corridor_sim.appraisal.section`).
    """
    used = []
    for key, path in SCENARIO_PATHS.items():
        item: Sourced[Any] = getattr(profile, key)
        read = appraised if path.startswith("appraisal.") else (
            not path.startswith("mode_choice.") or scenario_data["mode_choice"]["enabled"]
            or (appraised and key in APPRAISAL_MONEY)
        )  # fmt: skip
        if item.placeholder and read and _at(scenario_data, path) == item.value:
            used.append(key)
    used += [key for key in APPRAISAL_ECONOMY if appraised and getattr(profile, key).placeholder]
    return {
        "country": profile.country_name,
        "currency": profile.currency,
        **{key: getattr(profile, key).value for key in ECONOMY},
        "placeholders": [f"{key} = {getattr(profile, key).value} ({getattr(profile, key).source})" for key in used],
    }


def _at(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


#: The template's placeholder values: of a plausible order for an East African city, so that a
#: run works end to end, and every one marked as a placeholder to replace.
TEMPLATE_VALUES: dict[str, Any] = {
    "local_per_usd": 1.0,
    "gdp_per_capita_usd": 1500.0,
    "gni_per_capita_usd": 1500.0,
    "traffic_mix": {"car": 0.5, "motorcycle": 0.2, "minibus_14": 0.25, "bus_12m_euro_ii": 0.05},
    "baseline_mode_shares": {"minibus_14": 0.6, "car": 0.1, "motorcycle": 0.1, "walk": 0.18, "cycle": 0.02},
    "occupancy_pax": {"minibus_14": 12.0, "minibus_33": 26.0, "car": 1.5, "motorcycle": 1.0, "bus_12m_euro_ii": 50.0},
    "real_world_factor": 2.0,
    "grid_gco2_per_kwh": 500.0,
    "base_deaths_per_100m_vkm": 6.0,
    "value_of_time_per_h": 1.0,
    "brt_fare": 0.5,
    "minibus_fare": 0.5,
    "car_cost_per_km": 0.2,
    "running_way_usd_per_km": {"median_busway": 3.0e6, "curbside_bus_lane": 1.0e6, "mixed_traffic": 0.3e6},
    "station_usd": {"station": 4.0e5, "extra_berth": 6.0e4, "extra_substop": 1.5e5, "passing_lane": 2.5e5},
    "terminal_usd": 3.0e6,
    "depot_usd_per_bus": 6.0e4,
    "bus_usd": {"brt_18m": 4.5e5, "brt_12m": 2.5e5, "minibus_14": 4.0e4, "minibus_33": 8.0e4},
    "fare_its_usd": {"per_station": 1.5e5, "per_bus": 1.5e4},
    "nmt_works_usd": {"sidewalk_per_km": 2.0e5, "cycle_lane_per_km": 1.5e5, "crossing": 4.0e4, "refuge": 1.5e4},
    "bus_operating_usd": {"per_bus_km": 1.0, "per_bus_hour": 10.0},
    "vehicle_operating_usd_per_km": {
        "car": 0.25,
        "motorcycle": 0.08,
        "minibus_14": 0.35,
        "minibus_33": 0.55,
        "bus_12m_euro_ii": 0.9,
    },
    "pollution_damage_usd_per_t": {"nox": 2000.0, "pm25": 30000.0},
}
PLACEHOLDER_SOURCE = "placeholder from corridor-sim's city template: replace with the city's own figure and its source"


def city_file_template(city: str, country: str, title: str, currency: str) -> str:
    """A new city file: no data sources yet, and a profile whose every value is a placeholder.

    Parameters
    ----------
    city
        The city key (the file's name).
    country
        ISO 3166 alpha-2 country code.
    title
        The city's name as printed.
    currency
        ISO 4217 code of the money values (the template's values are of the order of US dollars).
    """
    fields = CityProfile.model_fields
    lines = [
        f"# {title}: a city file for corridor-sim, made by 'corridor-sim city new'. Every profile value",
        "# below is a PLACEHOLDER: replace each with the city's own figure, its evidence tag and its source,",
        "# and set placeholder = false. Runs that use a placeholder say so in their summary and report.",
        "# Data sources (OSM extracts, GTFS feeds, road layers) go in [[osm_extracts]], [gtfs.<key>] and",
        "# [road_layers.<key>] tables; see networks/nairobi.toml for an example.",
        f'city = "{city}"',
        f"title = {_toml(title)}",
        f'country = "{country}"',
        "",
        "[profile]",
        f'country_name = "{country}"  # the country\'s name as printed: replace the ISO code',
        f'currency = "{currency}"',
    ]
    for key, value in TEMPLATE_VALUES.items():
        lines += [
            "",
            f"# {fields[key].description}",
            f"[profile.{key}]",
            f"value = {_toml(value)}",
            'tag = "L"',
            f"source = {_toml(PLACEHOLDER_SOURCE)}",
            "placeholder = true",
        ]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(float(value))
