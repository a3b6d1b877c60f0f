"""Mode shift: generalized costs, the multinomial logit and its fixed point with the simulation."""
