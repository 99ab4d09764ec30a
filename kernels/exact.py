"""Exact rank over the rationals: the certificate behind every rank refutation.

Every finite float is a dyadic rational, so a float matrix has an exact rank too:
``exact_rank`` converts each entry exactly (``fractions.Fraction(x)``), clears denominators
row by row (which keeps the rank) and runs fraction-free Gaussian elimination (Bareiss) on
Python integers. Cost: O(m n min(m, n)) big-integer operations whose sizes stay bounded by
Hadamard's bound; matrices up to a few dozen rows take milliseconds.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

import numpy as np
from array_api_compat import is_torch_array

from rankclaims.kernels.errors import KernelInputError, KernelTypeError

__all__ = ["exact_rank"]


def _to_fraction(x: Any, name: str) -> Fraction:
    if isinstance(x, (bool, np.bool_)):
        return Fraction(int(x))
    if isinstance(x, (Integral, np.integer)):
        return Fraction(int(x))
    if isinstance(x, Rational):
        return Fraction(x.numerator, x.denominator)
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            raise KernelInputError(
                f"{name} contains a non-finite entry ({x}); its rank is undefined"
            )
        # as_integer_ratio, not float(x): exact for long double too (wider than a float)
        num, den = x.as_integer_ratio()
        return Fraction(int(num), int(den))
    raise KernelTypeError(
        f"{name} has an entry of type {type(x).__name__}; exact_rank takes integers, "
        "fractions.Fraction or finite floats"
    )


def _row_integers(row: list[Fraction]) -> list[int]:
    """Scale a row of fractions by the lcm of its denominators: same rank, integer entries."""
    lcm = 1
    for f in row:
        lcm = lcm * f.denominator // math.gcd(lcm, f.denominator)
    return [int(f * lcm) for f in row]


def _bareiss_rank(rows: list[list[int]]) -> int:
    """Rank of an integer matrix by fraction-free elimination with row and column pivoting."""
    m = len(rows)
    if m == 0:
        return 0
    n = len(rows[0])
    a = [r[:] for r in rows]
    rank = 0
    prev = 1
    col = 0
    while rank < m and col < n:
        pivot = next((i for i in range(rank, m) if a[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        a[rank], a[pivot] = a[pivot], a[rank]
        p = a[rank][col]
        for i in range(rank + 1, m):
            ai = a[i]
            f = ai[col]
            ar = a[rank]
            for j in range(col + 1, n):
                # exact division: Bareiss' invariant
                ai[j] = (p * ai[j] - f * ar[j]) // prev
            ai[col] = 0
        prev = p
        rank += 1
        col += 1
    return rank


def exact_rank(a: Any) -> Any:
    """Rank over the rationals of an integer, ``Fraction`` or float matrix, exactly.

    ``a`` may be a NumPy array (integer, boolean, float or object holding ``int`` /
    ``Fraction``), a PyTorch tensor, or nested lists; shape ``(..., m, n)``. Floats are read as
    the exact rationals they represent. Returns an ``int`` for one matrix, an integer array
    (NumPy) or tensor (PyTorch, on the input's device) for a batch.

    >>> exact_rank([[1, 2], [2, 4]])
    1
    >>> from fractions import Fraction as F
    >>> exact_rank([[F(1, 3), F(1, 2)], [F(2, 3), 1]])
    1
    """
    torch_in = is_torch_array(a)
    device = a.device if torch_in else None
    if torch_in:
        if a.is_complex():
            raise KernelTypeError(f"a has unsupported dtype {a.dtype} (complex)")
        t = a.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":  # NumPy has no bfloat16; float32 holds it exactly
            t = t.float()
        arr = t.numpy()
    else:
        try:
            arr = np.asarray(a) if not isinstance(a, np.ndarray) else a
        except (TypeError, ValueError) as exc:
            raise KernelInputError(f"a cannot be read as an array: {exc}") from exc
        if arr.dtype.kind in "cUSV":
            raise KernelTypeError(f"a has unsupported dtype {arr.dtype} for exact_rank")
    if arr.ndim < 2:
        raise KernelInputError(
            f"a must be a matrix or a batch of matrices (at least two dimensions); "
            f"got shape {arr.shape}"
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise KernelInputError(
            f"a (shape {arr.shape}) contains {int(np.isnan(arr).sum())} NaN and "
            f"{int(np.isinf(arr).sum())} infinite entries; its rank is undefined"
        )
    bshape = arr.shape[:-2]
    flat = arr.reshape((-1, *arr.shape[-2:])) if arr.size else np.empty((math.prod(bshape), 0, 0))
    ranks = []
    for mat in flat:
        rows = [_row_integers([_to_fraction(x, "a") for x in row]) for row in mat.tolist()]
        if rows and len(rows[0]) > len(rows):  # eliminate along the shorter side
            rows = [list(col) for col in zip(*rows, strict=True)]
        ranks.append(_bareiss_rank(rows))
    out = np.asarray(ranks, dtype=np.int64).reshape(bshape)
    if torch_in:
        import torch

        return torch.as_tensor(out, device=device)
    return int(out) if out.ndim == 0 else out
