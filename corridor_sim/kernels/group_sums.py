"""Sums of rows by integer group, bit for bit as pandas' ``groupby(...).sum()`` adds them.

pandas adds each group's values in row order with Kahan's compensated summation, skipping NaN
(``group_sum`` in ``pandas/_libs/groupby.pyx``, with ``compensation`` set back to 0 where it is
not finite, so an infinite value sums to infinity). :func:`kahan_add` makes the same additions in
the same order, so a table summed here on integer group codes equals the one pandas gives on the
labels to the last bit, without pandas factorising and sorting millions of keys first.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def kahan_add(total: float, compensation: float, value: float) -> tuple[float, float]:
    """``total`` and its ``compensation`` after adding ``value`` as pandas does (NaN skipped).

    On scalars, not on the arrays holding them: numba then inlines it, where a helper writing
    into arrays costs a call per value.
    """
    if value != value:
        return total, compensation
    y = value - compensation
    t = total + y
    c = t - total - y
    return t, (c if np.isfinite(c) else 0.0)


@njit(cache=True, nogil=True)  # nogil: an evaluation in a thread beside another's
def group_sums(group: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the sum of each column of its rows (in row order, as pandas) and its row count.

    Parameters
    ----------
    group
        Group of each row (0 to ``n_groups - 1``; negative: the row is left out).
    values
        (rows, columns) to sum.
    n_groups
        Number of groups.

    Returns
    -------
    sums : numpy.ndarray
        (n_groups, columns); 0 for a group without rows.
    counts : numpy.ndarray
        Rows per group (int64).
    """
    sums = np.zeros((n_groups, values.shape[1]))
    compensation = np.zeros((n_groups, values.shape[1]))
    counts = np.zeros(n_groups, dtype=np.int64)
    for i in range(len(group)):
        g = group[i]
        if g < 0:
            continue
        counts[g] += 1
        for j in range(values.shape[1]):
            sums[g, j], compensation[g, j] = kahan_add(sums[g, j], compensation[g, j], values[i, j])
    return sums, counts
