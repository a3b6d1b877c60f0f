"""Expected road deaths and serious injuries on the corridor, with uncertainty bands."""
