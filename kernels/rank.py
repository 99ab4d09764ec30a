"""Singular values and the rank notions of the papers, batched, on NumPy and PyTorch.

Conventions (see the README's table):

- ``matrix_rank``: ``#{i : sigma_i > max(atol, rtol * sigma_1)}`` with default
  ``rtol = max(m, n) * eps(dtype)``: the default of ``numpy.linalg.matrix_rank`` and of
  ``torch.linalg.matrix_rank``.
- ``normalized_rank`` (Galanti & Poggio 2022, Sec. 4.1): ``#{i : sigma_i(W / ||W||) > 1e-4}``.
- ``soft_rank`` (Daneshmand et al. 2020, Eq. 3): ``#{i : sigma_i(H)^2 / N >= tau}``, ``H`` is
  ``d x N``.
- ``effective_rank`` (Daneshmand et al. 2020, Eq. 4): ``r(H) = Tr(M)^2 / ||M||_F^2`` with
  ``M = H H^T / N``.
- ``stable_rank``: ``||A||_F^2 / ||A||_2^2``.

Floating-point error model. A backward-stable SVD returns singular values with absolute error
at most ``p(m, n) * eps * sigma_1`` (LAPACK Users' Guide, Sec. 4.9, with ``p`` "a modestly
growing function"). We take ``p(m, n) = 2 sqrt(max(m, n)) + 2`` (:func:`sv_error`): an
empirical bound, at least 1.45 times the worst error seen in 56,000 random float32 matrices
(against float64) and 3,000 float64 matrices (against 40-digit mpmath) of sizes up to 24;
``tests/test_rank.py`` keeps testing it. A first model, ``sqrt(max(m, n))``, was violated
(3.33 eps sigma_1 on a 2 x 2 float32 matrix).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from array_api_compat import is_torch_array

from rankclaims.kernels._backend import (
    as_matrix,
    check_representable,
    device_of,
    eps,
    pow2_normalize,
    pow2_unscale,
    svdvals,
    to_output,
)
from rankclaims.kernels.decision import RankDecision, count_decision, finish
from rankclaims.kernels.errors import KernelInputError

__all__ = [
    "effective_rank",
    "matrix_rank",
    "normalized_rank",
    "singular_values",
    "soft_rank",
    "stable_rank",
    "sv_error",
]


def singular_values(a: Any) -> Any:
    """Singular values of ``a`` (shape ``(..., m, n)``), descending, shape ``(..., min(m, n))``.

    The same values as ``numpy.linalg.svd(a, compute_uv=False)``; NumPy in gives NumPy out,
    a tensor gives a tensor on its device. On the CPU a batch is split across cores.

    >>> singular_values(np.diag([1.0, 3.0, 2.0]))
    array([3., 2., 1.])
    """
    xp, a = as_matrix(a)
    return check_representable(xp, svdvals(xp, a), "singular values", a)


def sv_error(s: Any, m: int, n: int, dtype: Any) -> Any:
    """The floating-point error bound of computed singular values: ``p(m, n) * eps * s_1``.

    ``s`` holds singular values, descending, shape ``(..., k)``; the result has shape
    ``(..., 1)`` and is zero for empty or zero matrices (whose singular values are exact).
    """
    if s.shape[-1] == 0:
        return s  # no singular values, nothing to bound
    return s[..., :1] * (sv_error_factor(m, n) * eps(dtype))


def sv_error_factor(m: int, n: int) -> float:
    """``p(m, n) = 2 sqrt(max(m, n)) + 2``: singular values are within ``p eps sigma_1``."""
    return 2.0 * math.sqrt(max(m, n)) + 2.0


def _is_real(x: Any) -> bool:
    """A real scalar (Python or NumPy), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


# indexed by "is float32"
_SMALLEST_SUBNORMAL = (5e-324, float(np.finfo(np.float32).smallest_subnormal))


def _tolerance(xp: Any, value: Any, name: str, like: Any) -> Any:
    """A non-negative finite tolerance, scalar or broadcastable to the batch shape.

    A real number, or a real (integer or float) array or tensor whose shape broadcasts to the
    batch shape of ``like``; values beyond the largest finite number of ``like``'s dtype are
    clipped to it (a float32 threshold of 1e300 is then larger than every singular value).
    """
    if is_torch_array(value):
        value = value.detach().cpu().numpy()
    if _is_real(value):
        ref = np.float64(value)
    else:
        try:
            ref = np.asarray(value)
        except (TypeError, ValueError):
            ref = None
        if ref is None or ref.dtype.kind not in "iuf":
            raise KernelInputError(
                f"{name} must be a real number or a real array; got {value!r}"
                + ("" if ref is None else f" (dtype {ref.dtype})")
            )
        ref = ref.astype(np.float64)
    if not bool(np.all(np.isfinite(ref))) or bool(np.any(ref < 0)):
        raise KernelInputError(f"{name} must be finite and >= 0; got {value!r}")
    batch = tuple(like.shape[:-2])
    try:
        ok = np.broadcast_shapes(ref.shape, batch) == batch
    except ValueError:
        ok = False
    if not ok:
        raise KernelInputError(
            f"{name} of shape {ref.shape} does not broadcast to the batch shape {batch}"
        )
    big = float(np.finfo(np.float32 if eps(like.dtype) == eps("float32") else np.float64).max)
    return xp.asarray(np.minimum(ref, big), dtype=like.dtype, device=device_of(like))


def _decide_sv(xp, a, s, threshold, *, notion, scale=None, unit=None, certified, return_decision):
    """Count and decide; ``unit`` (shape ``(..., 1, 1)``) converts ``s`` back to input units."""
    m, n = a.shape[-2], a.shape[-1]
    err = sv_error(s, m, n, a.dtype)
    values, errors = s, err
    if scale is not None:  # values are sigma_i / scale
        safe = xp.where(scale > 0, scale, xp.ones_like(scale))
        values = xp.where(scale > 0, s / safe, xp.zeros_like(s))
        errors = xp.where(scale > 0, err * (1 + values) / safe, xp.zeros_like(values))
    if not (certified or return_decision):  # the count alone: no margin to compute
        return to_output(xp, xp.sum(xp.astype(values > threshold, xp.int64), axis=-1))
    count, margin, nearest = count_decision(xp, values, threshold, errors, strict=True)
    thr = xp.broadcast_to(threshold, (*values.shape[:-1], 1))[..., 0]
    if unit is not None:  # back to the input's units
        thr = pow2_unscale(xp, thr, unit[..., 0, 0])
        nearest = pow2_unscale(xp, nearest, unit[..., 0, 0])
    decision = RankDecision(count, margin, margin > 1, thr, nearest, notion, "svd")
    return finish(xp, decision, certified=certified, return_decision=return_decision)


def matrix_rank(
    a: Any,
    *,
    atol: Any = None,
    rtol: Any = None,
    certified: bool = False,
    return_decision: bool = False,
) -> Any:
    """Numerical rank: ``#{i : sigma_i > max(atol, rtol * sigma_1)}``, batched.

    Parameters
    ----------
    a : array or tensor, shape ``(..., m, n)``
        float32 or float64 (decided in its own precision, as NumPy and PyTorch do);
        integers and booleans are promoted to float64.
    atol, rtol : float or array broadcastable to the batch shape, optional
        Absolute and relative thresholds, as in ``torch.linalg.matrix_rank``: the threshold is
        ``max(atol, rtol * sigma_1)``; ``atol`` defaults to 0; ``rtol`` defaults to
        ``max(m, n) * eps(dtype)``, or to 0 where ``atol > 0`` is given. The default equals
        NumPy's ``S.max() * max(m, n) * eps`` and PyTorch's.
    certified : bool
        Raise :class:`RankUndecidableError` instead of answering when a singular value lies
        within its floating-point error (:func:`sv_error`) of the threshold.
    return_decision : bool
        Return the :class:`RankDecision` (rank, margin, decided, threshold, error).

    Returns
    -------
    Integer rank(s) with the batch shape (a NumPy scalar for one NumPy matrix, a 0-d tensor for
    one tensor), or the :class:`RankDecision`.

    >>> matrix_rank(np.ones((3, 4)))
    1
    """
    xp, a = as_matrix(a)
    m, n = a.shape[-2], a.shape[-1]
    # The rank is scale-invariant: an exact power-of-two rescaling keeps sigma_1 representable
    # (float32 entries near 3e38 would otherwise give sigma_1 = inf and rank 0, as in NumPy).
    a_scaled, exp = pow2_normalize(xp, a)
    s = svdvals(xp, a_scaled)
    zero = xp.zeros((), dtype=a.dtype, device=device_of(a))
    atol_ = zero if atol is None else _tolerance(xp, atol, "atol", a)
    default_rtol = max(m, n) * eps(a.dtype)
    if rtol is None:
        rtol_ = xp.where(atol_ > 0, zero, zero + default_rtol)
    else:
        rtol_ = _tolerance(xp, rtol, "rtol", a)
    sigma1 = (
        s[..., :1]
        if s.shape[-1]
        else xp.zeros((*s.shape[:-1], 1), dtype=a.dtype, device=device_of(a))
    )
    # atol is in the input's units: compare it with the scaled singular values as atol / 2**exp
    atol_scaled = pow2_unscale(
        xp, xp.broadcast_to(_expand(xp, atol_), exp[..., 0].shape), -exp[..., 0]
    )
    threshold = xp.maximum(atol_scaled, _expand(xp, rtol_) * sigma1)
    return _decide_sv(
        xp,
        a,
        s,
        threshold,
        notion="numerical",
        unit=exp,
        certified=certified,
        return_decision=return_decision,
    )


def _expand(xp: Any, t: Any) -> Any:
    """A batch-shaped tolerance gets a trailing axis to broadcast against ``(..., k)``."""
    return xp.expand_dims(t, axis=-1) if t.ndim else t


def normalized_rank(
    w: Any,
    *,
    threshold: float = 1e-4,
    normalization: str = "spectral",
    certified: bool = False,
    return_decision: bool = False,
) -> Any:
    """Galanti & Poggio's rank: singular values of the normalised matrix outside [-1e-4, 1e-4].

    Sec. 4.1 of the paper: "we normalize it and count how many of its singular values are
    not in [-1e-4, 1e-4]". Singular values are non-negative, so this is
    ``#{i : sigma_i(W / ||W||) > threshold}``. The text does not name the norm. Dividing by a
    norm is what makes an absolute cut-off scale-free; the reading we take by default is the
    spectral norm (``normalization="spectral"``: the largest normalised singular value is 1,
    so the cut-off is ``1e-4 * sigma_1``, a relative tolerance). ``"frobenius"`` divides by
    ``||W||_F >= sigma_1`` and so never counts more. A zero matrix has rank 0.
    """
    if normalization not in ("spectral", "frobenius"):
        raise KernelInputError(
            f"normalization must be 'spectral' or 'frobenius'; got {normalization!r}"
        )
    if not (_is_real(threshold) and math.isfinite(threshold) and threshold >= 0):
        raise KernelInputError(f"threshold must be a finite number >= 0; got {threshold!r}")
    xp, a = as_matrix(w, "w")
    a, _ = pow2_normalize(xp, a)  # scale-invariant: exact rescaling avoids overflow
    s = svdvals(xp, a)
    if s.shape[-1] == 0:
        scale = xp.zeros((*s.shape[:-1], 1), dtype=a.dtype, device=device_of(a))
    elif normalization == "spectral":
        scale = s[..., :1]
    else:
        scale = xp.sqrt(xp.sum(s * s, axis=-1, keepdims=True))
    thr = xp.asarray(float(threshold), dtype=a.dtype, device=device_of(a))
    return _decide_sv(
        xp,
        a,
        s,
        thr,
        notion="normalized",
        scale=scale,
        certified=certified,
        return_decision=return_decision,
    )


def soft_rank(h: Any, tau: float, *, certified: bool = False, return_decision: bool = False) -> Any:
    """Daneshmand et al.'s soft rank, Eq. 3: ``rank_tau(H) = #{i : sigma_i(H)^2 / N >= tau}``.

    ``h`` has shape ``(..., d, N)``: ``d`` features by a batch of ``N`` samples, as in the
    paper (``M = H H^T / N``). Note the ``>=``: a value exactly at ``tau`` counts.
    The error of ``sigma_i^2 / N`` is ``(2 sigma_i e + e^2) / N`` with ``e`` from
    :func:`sv_error`.
    """
    if not (_is_real(tau) and math.isfinite(tau) and tau >= 0):
        raise KernelInputError(f"tau must be a finite number >= 0; got {tau!r}")
    xp, a = as_matrix(h, "h")
    m, n = a.shape[-2], a.shape[-1]
    s = svdvals(xp, a)
    e = sv_error(s, m, n, a.dtype)
    big_n = max(n, 1)
    # s * (s / N), not s * s / N: s * s can overflow where sigma_i^2 / N is representable
    values = check_representable(xp, s * (s / big_n), "values sigma_i^2 / N", a)
    # Near the underflow threshold the two roundings are absolute, not relative: add them
    # (one unit of the smallest subnormal each), except for exact zeros.
    tiny = _SMALLEST_SUBNORMAL[eps(a.dtype) == eps("float32")]
    errors = (2 * s + e) * (e / big_n)
    errors = xp.where(s > 0, errors + 2 * tiny, errors)
    thr = xp.asarray(float(tau), dtype=a.dtype, device=device_of(a))
    count, margin, nearest = count_decision(xp, values, thr, errors, strict=False)
    thr_b = xp.broadcast_to(thr, tuple(values.shape[:-1]))
    decision = RankDecision(count, margin, margin > 1, thr_b, nearest, "soft", "svd")
    return finish(xp, decision, certified=certified, return_decision=return_decision)


def effective_rank(h: Any) -> Any:
    """Daneshmand et al.'s lower bound on the rank, Eq. 4: ``r(H) = Tr(M)^2 / ||M||_F^2``.

    With ``M = H H^T / N`` the factor ``1/N`` cancels: ``r(H) = (sum sigma_i^2)^2 /
    sum sigma_i^4``. It is computed from the smaller Gram matrix (no SVD; every term is a sum of
    non-negative numbers, so the relative error is a few ``eps``). ``1 <= r(H) <= rank(H)``
    for ``H != 0``; a zero matrix gives 0.
    """
    xp, a = as_matrix(h, "h")
    a, _ = pow2_normalize(xp, a)  # scale-invariant: exact rescaling avoids overflow
    m, n = a.shape[-2], a.shape[-1]
    at = xp.matrix_transpose(a)
    gram = a @ at if m <= n else at @ a
    tr = xp.sum(a * a, axis=(-2, -1))
    fro2 = xp.sum(gram * gram, axis=(-2, -1))
    safe = xp.where(fro2 > 0, fro2, xp.ones_like(fro2))
    return to_output(xp, xp.where(fro2 > 0, tr * tr / safe, xp.zeros_like(tr)))


def stable_rank(a: Any) -> Any:
    """Stable rank ``||A||_F^2 / ||A||_2^2`` (between 1 and rank(A); 0 for a zero matrix)."""
    xp, a = as_matrix(a)
    a, _ = pow2_normalize(xp, a)  # scale-invariant: exact rescaling avoids overflow
    s = svdvals(xp, a)
    if s.shape[-1] == 0:
        return to_output(xp, xp.zeros(s.shape[:-1], dtype=a.dtype, device=device_of(a)))
    fro2 = xp.sum(s * s, axis=-1)
    top = s[..., 0] * s[..., 0]
    safe = xp.where(top > 0, top, xp.ones_like(top))
    return to_output(xp, xp.where(top > 0, fro2 / safe, xp.zeros_like(top)))
