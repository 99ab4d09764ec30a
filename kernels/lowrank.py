"""Distance to the matrices of rank at most k (Eckart-Young-Mirsky), batched."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from rankclaims.kernels._backend import (
    as_matrix,
    check_representable,
    pow2_normalize,
    pow2_unscale,
    svdvals,
    to_output,
)
from rankclaims.kernels.errors import KernelInputError

__all__ = ["lowrank_distance"]

_NORMS = {
    "fro": "fro",
    "frobenius": "fro",
    "spectral": "spectral",
    2: "spectral",
    "2": "spectral",
    "nuc": "nuclear",
    "nuclear": "nuclear",
}


def lowrank_distance(w: Any, k: int, norm: str | int = "fro") -> Any:
    r"""``min_{rank(V) <= k} ||W - V||`` for a unitarily invariant norm, batched.

    By Eckart-Young-Mirsky the minimiser is the truncated SVD and the distance is a function
    of the discarded singular values :math:`\sigma_{k+1} \ge \sigma_{k+2} \ge \dots`:

    - ``"fro"`` (``"frobenius"``): :math:`(\sum_{i>k} \sigma_i^2)^{1/2}`
    - ``"spectral"`` (``2``): :math:`\sigma_{k+1}` (0 when ``k >= min(m, n)``)
    - ``"nuclear"`` (``"nuc"``): :math:`\sum_{i>k} \sigma_i`

    Norms that are not unitarily invariant (entrywise max, induced 1- and inf-norms) have no
    such closed form and are refused.

    >>> lowrank_distance(np.diag([3.0, 2.0, 1.0]), 1, "fro")
    2.23606797749979
    """
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 0:
        raise KernelInputError(f"k must be an integer >= 0; got {k!r}")
    kind = _NORMS.get(norm) if isinstance(norm, (str, int)) and not isinstance(norm, bool) else None
    if kind is None:
        raise KernelInputError(
            f"norm must be one of 'fro', 'spectral' (2), 'nuclear' ('nuc'); got {norm!r}"
        )
    xp, a = as_matrix(w, "w")
    # The distance is homogeneous: computed on the matrix rescaled by an exact power of two,
    # so that sums of squares of singular values neither overflow nor underflow.
    scaled, exp = pow2_normalize(xp, a)
    s = svdvals(xp, scaled)
    tail = s[..., int(k) :]
    if kind == "fro":
        out = xp.sqrt(xp.sum(tail * tail, axis=-1))
    elif kind == "nuclear":
        out = xp.sum(tail, axis=-1)
    elif tail.shape[-1]:
        out = tail[..., 0]
    else:
        out = xp.sum(tail, axis=-1)  # zeros of the batch shape
    out = pow2_unscale(xp, out, exp[..., 0, 0])
    return to_output(xp, check_representable(xp, out, "distance", a))
