"""The multinomial logit on generalized cost (pure numpy).

``P[m] = exp(c[m] - scale * GC[m]) / sum_k exp(c[k] - scale * GC[k])`` per origin-destination
pair, with mode constants ``c`` calibrated so that the demand-weighted shares reproduce the
observed ones (Ortuzar & Willumsen, *Modelling Transport*, 4th ed., sections 7.3 and 7.6). A
mode with a cost of ``inf`` is unavailable to that pair.
"""

from __future__ import annotations

import numpy as np


def logit_shares(cost_min: np.ndarray, constants: np.ndarray, scale_per_min: float) -> np.ndarray:
    """Mode shares per pair.

    Parameters
    ----------
    cost_min
        Generalized cost, shape (..., modes), minutes; ``inf`` where a mode is unavailable.
    constants
        Mode constants (modes,), utility units; ``-inf`` removes a mode.
    scale_per_min
        Utility per generalized minute.

    Returns
    -------
    numpy.ndarray
        Shares, same shape as ``cost_min``, summing to 1 over the last axis (0 where no mode is
        available).
    """
    utility = constants - scale_per_min * cost_min
    top = np.max(utility, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    weight = np.exp(utility - top)
    total = weight.sum(axis=-1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def calibrate_constants(
    cost_min: np.ndarray,
    trips: np.ndarray,
    target_shares: np.ndarray,
    scale_per_min: float,
    tolerance: float = 1e-9,
    max_rounds: int = 500,
) -> np.ndarray:
    """Mode constants that reproduce the observed shares over all pairs.

    Repeats ``c[m] += ln(target[m] / predicted[m])`` (the standard constant update) until the
    predicted demand-weighted shares match within ``tolerance``.

    Parameters
    ----------
    cost_min
        Generalized cost (pairs..., modes), minutes.
    trips
        Trips per pair (pairs...), the weights.
    target_shares
        Observed share of each mode (modes,), summing to 1; a zero share gives ``-inf``.
    scale_per_min
        Utility per generalized minute.

    Returns
    -------
    numpy.ndarray
        The constants (modes,), the first present mode's set to 0.
    """
    target = np.asarray(target_shares, dtype=float)
    present = target > 0
    constants = np.where(present, 0.0, -np.inf)
    for _ in range(max_rounds):
        predicted = aggregate_shares(logit_shares(cost_min, constants, scale_per_min), trips)
        if np.all(np.abs(predicted[present] - target[present]) < tolerance):
            break
        constants[present] += np.log(target[present] / np.maximum(predicted[present], 1e-300))
    return np.where(present, constants - constants[present][0], -np.inf)


def aggregate_shares(shares: np.ndarray, trips: np.ndarray) -> np.ndarray:
    """Demand-weighted shares over all pairs: ``sum(trips * shares) / sum(trips)`` per mode."""
    weighted = (shares * trips[..., None]).reshape(-1, shares.shape[-1]).sum(axis=0)
    total = weighted.sum()
    return weighted / total if total > 0 else weighted
