"""Exhaust, fuel and grid emissions of the corridor's vehicles."""
