"""Paratransit (matatu, minibus taxi) services along a corridor, from GTFS feeds."""
