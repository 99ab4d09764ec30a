r"""The Khatri-Rao product and its rank, decided without forming it.

Convention (``scipy.linalg.khatri_rao``): for ``b`` of shape ``(I, J)`` and ``c`` of shape
``(K, J)``, ``khatri_rao(b, c)`` has shape ``(I * K, J)`` and column ``j`` is
``kron(b[:, j], c[:, j])``: the row index of ``b`` varies slowest. Soudry & Carmon write it
``A ∘ X``.

Rank without forming (``khatri_rao_rank``). Let ``K = khatri_rao(B, C)`` with ``N`` columns and
``M = d_b d_c`` rows. Its Gram matrix is a Hadamard product of the factors' Grams,

.. math:: K^T K = (B^T B) \circ (C^T C),

so ``sigma_i(K)^2 = lambda_i(G)``, computable in O(N^2 (d_b + d_c) + N^3) time and O(N^2)
memory instead of O(M N) memory. Squaring halves the digits, so the Gram alone can only
certify singular values above about ``sqrt(N eps) sigma_1``; the kernel therefore decides in
stages, each certified, and reports which one decided (``RankDecision.method``):

1. ``"formed-svd"`` when ``M <= N``: the product has at most ``N^2`` entries; form it.
2. ``"gram-cholesky"``: a Cholesky factorisation of ``G - c I`` with
   ``c = t^2 + 2 delta`` succeeds only if every eigenvalue of the exact Gram exceeds ``t^2``
   (``t`` the rank threshold, ``delta`` the Gram's error bound): full column rank, certified,
   in N^3/3 flops.
3. ``"gram-eigh"``: the eigenvalues of ``G``, each compared with ``t^2`` within ``delta``.
4. ``"gram-eigh+subspace"``: the eigenvalues within ``1e4`` times the Gram's error (``p`` of
   them) are recomputed to the accuracy of an SVD of the formed product: with ``V_s`` their
   eigenvectors and ``V_b`` the others, one correction ``W = V_s - V_b T`` makes
   ``Z = K W`` orthogonal to ``K V_b`` up to rounding; then
   ``L_j <= sigma_{N-p+j}(K) <= sigma_j(Z)`` with ``L_j`` from the coupling ``||V_b^T K^T Z||``
   (README, "Khatri-Rao rank"). ``K W`` and ``K^T Z`` are computed from ``B`` and ``C``
   directly: O(p M N) time, O(p M) memory.
5. ``"formed-svd"`` when stage 4 is still undecided: the product is formed, so the answer is
   the forming path's whenever that path decides (O(M N) memory, this stage only).

Error bound of the Gram (entrywise, ``k_i = ||b_i|| ||c_i||``):
``|fl(G) - G|_{ij} <= (d_b + d_c + 1) eps k_i k_j``, so ``||fl(G) - G||_2 <= (d_b + d_c + 1)
eps tr(G)``; the symmetric eigensolver and Cholesky add ``(N + 1) eps tr(G)`` at most. We use
``delta = (d_b + d_c + 2N + 3) eps tr(G)``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from rankclaims.kernels._backend import (
    as_matrix,
    device_of,
    eps,
    is_torch,
    namespace,
    svdvals,
)
from rankclaims.kernels.decision import RankDecision, finish
from rankclaims.kernels.errors import KernelInputError, KernelTypeError
from rankclaims.kernels.rank import matrix_rank, sv_error_factor

__all__ = ["khatri_rao", "khatri_rao_rank"]


def _check_pair(b: Any, c: Any, *, promote: bool, check_finite: bool):
    namespace(b, c, names=("b", "c"))
    xp, b = as_matrix(b, "b", promote=promote, check_finite=check_finite)
    _, c = as_matrix(c, "c", promote=promote, check_finite=check_finite)
    if b.shape[-1] != c.shape[-1]:
        raise KernelInputError(
            "b and c must have the same number of columns; got b of shape "
            f"{tuple(b.shape)} ({b.shape[-1]} columns) and c of shape {tuple(c.shape)} "
            f"({c.shape[-1]} columns)"
        )
    try:
        np.broadcast_shapes(tuple(b.shape[:-2]), tuple(c.shape[:-2]))
    except ValueError:
        raise KernelInputError(
            f"the batch shapes of b {tuple(b.shape[:-2])} and c {tuple(c.shape[:-2])} "
            "do not broadcast"
        ) from None
    return xp, b, c


def khatri_rao(b: Any, c: Any) -> Any:
    """Column-wise Kronecker product, with ``scipy.linalg.khatri_rao``'s convention.

    ``b`` of shape ``(..., I, J)`` and ``c`` of shape ``(..., K, J)`` give ``(..., I*K, J)``;
    batch dimensions broadcast. Dtypes follow the libraries' promotion (integers stay
    integers, as in SciPy); NaN propagates as in any product.

    >>> khatri_rao(np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]))
    array([[ 5, 12],
           [ 7, 16],
           [15, 24],
           [21, 32]])
    """
    xp, b, c = _check_pair(b, c, promote=False, check_finite=False)
    if is_torch(xp):
        import torch

        try:
            torch.result_type(b, c)
        except RuntimeError as exc:  # e.g. uint32 with int8: PyTorch has no common dtype
            raise KernelTypeError(
                f"b (dtype {b.dtype}) and c (dtype {c.dtype}) have no common dtype in PyTorch "
                f"({exc}); convert them to one dtype first"
            ) from None
    i, k, j = b.shape[-2], c.shape[-2], b.shape[-1]
    prod = xp.expand_dims(b, axis=-2) * xp.expand_dims(c, axis=-3)  # (..., I, K, J)
    return xp.reshape(prod, (*prod.shape[:-3], i * k, j))


# --- products with K = khatri_rao(B, C) without forming it ------------------------------


def _k_times(xp: Any, b: Any, c: Any, w: Any) -> Any:
    """``K @ w`` for ``w`` of shape ``(N, p)``: ``(d_b d_c, p)``, via ``B diag(w) C^T``."""
    db, dc, p = b.shape[0], c.shape[0], w.shape[1]
    bw = xp.expand_dims(b, axis=1) * xp.expand_dims(xp.matrix_transpose(w), axis=0)  # (db,p,N)
    out = bw @ xp.matrix_transpose(c)  # (db, p, dc)
    return xp.reshape(xp.permute_dims(out, (0, 2, 1)), (db * dc, p))


def _kt_times(xp: Any, b: Any, c: Any, y: Any) -> Any:
    """``K^T @ y`` for ``y`` of shape ``(d_b d_c, p)``: ``(N, p)``."""
    db, dc, p = b.shape[0], c.shape[0], y.shape[1]
    y3 = xp.permute_dims(xp.reshape(y, (db, dc, p)), (0, 2, 1))  # (db, p, dc)
    t = y3 @ c  # (db, p, N)
    return xp.matrix_transpose(xp.sum(xp.expand_dims(b, axis=1) * t, axis=0))  # (N, p)


def _norm2(xp: Any, x: Any) -> float:
    if x.shape[0] == 0 or x.shape[1] == 0:
        return 0.0
    return float(svdvals(xp, x)[0])


# --- Gram matrix primitives, per backend --------------------------------------------------

_BLOCK = 64
# Eigenvalues below _GAP times the Gram's error bound are refined in stage 4.
_GAP = 1.0e4


def _gram(xp: Any, b: Any, c: Any) -> Any:
    """``(B^T B) ∘ (C^T C)``, built in row blocks so the peak is one N x N matrix."""
    if is_torch(xp):
        return (b.T @ b) * (c.T @ c)
    g = b.T @ b
    n = g.shape[0]
    for i0 in range(0, n, _BLOCK):
        i1 = min(i0 + _BLOCK, n)
        g[i0:i1] *= c[:, i0:i1].T @ c
    return g


def _cholesky_succeeds(xp: Any, g: Any) -> bool:
    """Whether Cholesky of the symmetric ``g`` succeeds (``g`` may be overwritten)."""
    if is_torch(xp):
        import torch

        return int(torch.linalg.cholesky_ex(g).info) == 0
    from scipy.linalg import lapack

    potrf = lapack.get_lapack_funcs("potrf", (g,))
    _, info = potrf(g.T, lower=False, overwrite_a=True, clean=False)  # g.T: Fortran order
    return info == 0


def _eigvalsh(xp: Any, g: Any) -> Any:
    """Eigenvalues of the symmetric ``g``, ascending (``g`` may be overwritten)."""
    if is_torch(xp):
        import torch

        return torch.linalg.eigvalsh(g)
    from scipy.linalg import eigh

    return eigh(g.T, eigvals_only=True, overwrite_a=True, check_finite=False, driver="ev")


def _eigh(xp: Any, g: Any) -> tuple[Any, Any]:
    if is_torch(xp):
        import torch

        return torch.linalg.eigh(g)
    from scipy.linalg import eigh

    return eigh(g.T, overwrite_a=True, check_finite=False, driver="evd")


# --- the rank -----------------------------------------------------------------------------


def _formed(b, c, atol, rtol):
    """Decide by forming the product: stages 1 and 5."""
    d = matrix_rank(khatri_rao(b, c), atol=atol, rtol=rtol, return_decision=True)
    return (
        int(d.rank),
        float(d.margin),
        bool(d.decided),
        float(d.threshold),
        float(d.error),
        "formed-svd",
    )


def _balance(xp, b, c):
    """Rescale the column pairs of ``b`` and ``c`` by exact powers of two; return ``(b, c, e)``.

    Column ``j`` of ``K`` is ``kron(b_j, c_j)``: scaling ``b_j`` by ``2**s`` and ``c_j`` by
    ``2**-s`` leaves it unchanged, and scaling all of ``K`` by ``2**-e`` leaves its rank. So
    the largest entry of the rescaled ``K`` is in [1/4, 1) and each column's two factors have
    comparable sizes: the Gram cannot overflow, and its trace cannot underflow to 0 unless
    ``K = 0``. (Normalising ``b`` and ``c`` separately is not enough: with their large entries
    in different columns, ``K`` itself can be ``1e-308`` times smaller and its Gram 0.)
    """
    if b.shape[0] == 0 or c.shape[0] == 0 or b.shape[1] == 0:
        return b, c, 0
    bmax = np.asarray(_to_numpy(xp.max(xp.abs(b), axis=0)), dtype=np.float64)
    cmax = np.asarray(_to_numpy(xp.max(xp.abs(c), axis=0)), dtype=np.float64)
    fb, fc = np.frexp(bmax)[1].astype(np.int64), np.frexp(cmax)[1].astype(np.int64)
    nonzero = (bmax > 0) & (cmax > 0)  # the columns of K that are not 0
    g = fb + fc
    e = int(g[nonzero].max()) if nonzero.any() else 0
    # <= 0: column j of the rescaled K is below 2**rel; the factors of a zero column of K
    # are only normalised (their Gram entries must stay finite: inf * 0 is NaN)
    rel = np.where(nonzero, g - e, 0)
    sb = rel // 2
    return _ldexp_cols(xp, b, sb - fb), _ldexp_cols(xp, c, rel - sb - fc), e


def _to_numpy(x: Any) -> Any:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x


def _ldexp_cols(xp: Any, a: Any, exps: Any) -> Any:
    """``a[:, j] * 2**exps[j]``, exactly (in two steps, so that no factor overflows)."""
    half = exps // 2
    if is_torch(xp):
        import torch

        h = torch.as_tensor(half, dtype=torch.int32, device=a.device)
        r = torch.as_tensor(exps - half, dtype=torch.int32, device=a.device)
        return torch.ldexp(torch.ldexp(a, h), r)
    return np.ldexp(np.ldexp(a, half), exps - half)


#: a product with at most this many entries (8 MB in float64) that the Gram's eigenvalues
#: leave undecided is formed at once (stage 5) instead of going through stage 4
FORM_BEFORE_SUBSPACE_ENTRIES = 1 << 20

#: a batch of products with at most this many entries each is formed whole and decided by
#: one batched ``matrix_rank`` call (stage 1 for every member at once): the Gram stages'
#: saving is in memory, which products this small do not need, and one call for the batch
#: replaces a Python loop of small calls (about 65 µs each)
BATCH_FORM_MAX_ENTRIES = 4096


def _batch_formable(xp: Any, b: Any, c: Any) -> bool:
    """The batch's products are small and cannot overflow or lose their small entries to
    underflow when formed without the column balancing of :func:`_balance` (every nonzero
    entry of ``b`` and ``c`` within ``2**±(emax/4)`` of 1, so products stay normal)."""
    m, n = b.shape[-2] * c.shape[-2], b.shape[-1]
    if m * n > BATCH_FORM_MAX_ENTRIES or m * n == 0:
        return False
    lim = 2.0 ** (30 if str(b.dtype).endswith("float32") else 250)
    for a in (b, c):
        mag = xp.abs(a)
        top = float(_to_numpy(xp.max(mag)))
        if top > lim:
            return False
        nonzero = mag[mag > 0]
        if nonzero.shape[0] and float(_to_numpy(xp.min(nonzero))) < 1.0 / lim:
            return False
    return True


def _one(xp, b, c, atol, rtol, want_margin):
    """Rescale ``b`` and ``c`` by exact powers of two (the rank is scale-invariant, the Gram
    then cannot overflow), decide, and report threshold and error in the input's units."""
    b, c, e = _balance(xp, b, c)  # K = K_scaled * 2**e
    atol_s = _ldexp(atol, -e)
    if math.isinf(atol_s):  # atol is above every singular value (finite once rescaled)
        method = "formed-svd" if b.shape[0] * c.shape[0] <= b.shape[1] else "gram-eigh"
        return 0, math.inf, True, atol, 0.0, method
    rank, margin, decided, t, err, method = _one_scaled(xp, b, c, atol_s, rtol, want_margin)
    # the Gram stages' errors are in squared units (eigenvalues of K^T K)
    err_e = 2 * e if method in ("gram-cholesky", "gram-eigh") else e
    return rank, margin, decided, _ldexp(t, e), _ldexp(err, err_e), method


def _ldexp(x: float, e: int) -> float:
    try:
        return math.ldexp(x, e)
    except OverflowError:  # beyond float64: the threshold itself is not representable
        return math.inf


def _one_scaled(xp, b, c, atol, rtol, want_margin):
    """Decide the rank of ``khatri_rao(b, c)`` for one pair; returns a tuple of floats/ints."""
    db, dc, n = b.shape[0], c.shape[0], b.shape[1]
    m = db * dc
    u = eps(b.dtype)
    if rtol is None:
        rtol = 0.0 if atol > 0 else max(m, n) * u
    if n == 0 or m == 0:
        return 0, math.inf, True, atol, 0.0, "formed-svd"
    if m <= n:
        return _formed(b, c, atol, rtol)

    g = _gram(xp, b, c)
    trace = float(xp.sum(xp.linalg.diagonal(g)))
    delta = (db + dc + 2 * n + 3) * u * trace
    if trace == 0.0:  # B or C has a zero column in every position: K = 0, exactly
        return 0, math.inf, True, atol, 0.0, "gram-eigh"

    if not want_margin:
        # sigma_1^2 <= tr(G), so t_hi >= the true threshold t: a success still certifies.
        # Success means lambda_min(exact G) > shift - delta = t_hi^2 + 2 delta.
        t_hi = max(atol, rtol * math.sqrt(trace))
        shift = t_hi * t_hi + 3 * delta
        diag = xp.linalg.diagonal(g)
        if is_torch(xp):
            diag -= shift
        else:
            g.flat[:: n + 1] -= shift
        if _cholesky_succeeds(xp, g):
            return n, 2.0, True, t_hi, delta, "gram-cholesky"
        g = _gram(xp, b, c)  # Cholesky overwrote it; rebuilding costs less than a copy's memory

    lam = _eigvalsh(xp, g)
    lam_max = float(lam[-1])
    sigma1 = math.sqrt(max(lam_max, 0.0))
    t = max(atol, rtol * sigma1)
    t2 = t * t
    # sigma_1 itself is known within delta/(2 sigma_1): widen the threshold's error by that
    delta_t = delta + 2 * t * rtol * delta / max(sigma1, 1e-300)
    above = lam - delta_t > t2
    below = lam + delta_t <= t2
    if bool(xp.all(above | below)):
        rank = int(xp.sum(xp.astype(above, xp.int64)))
        margin = float(xp.min(xp.abs(lam - t2))) / delta_t
        return rank, margin, True, t, delta_t, "gram-eigh"

    if m * n <= FORM_BEFORE_SUBSPACE_ENTRIES:
        # a product this small costs less to form and decide (stage 5) than the subspace
        # stage's eigendecomposition and products (measured: 9 ms against 36 ms at
        # 20 x 20 x 300 with factors of rank 10)
        return _formed(b, c, atol, rtol)

    # Stage 4: refine the p eigenvalues not far above the Gram's error. Keeping a gap of _GAP
    # between the refined ones and the rest is what makes one correction step enough.
    lam, v = _eigh(xp, _gram(xp, b, c))
    p = int(xp.sum(xp.astype(lam <= _GAP * (t2 + delta_t), xp.int64)))
    vs, vb, lam_b = v[:, :p], v[:, p:], lam[p:]
    y = _k_times(xp, b, c, vs)
    if n - p:
        tmat = (xp.matrix_transpose(vb) @ _kt_times(xp, b, c, y)) / xp.expand_dims(lam_b, axis=-1)
        w = vs - vb @ tmat
    else:
        tmat = xp.zeros((0, p), dtype=b.dtype, device=device_of(b))
        w = vs
    z = _k_times(xp, b, c, w)
    zs = svdvals(xp, z)
    if zs.shape[0] < p:  # more columns than rows: the remaining singular values are 0
        zs = xp.concat([zs, xp.zeros((p - zs.shape[0],), dtype=zs.dtype, device=device_of(zs))])
    e_z = sv_error_factor(m, n) * u * sigma1 * max(_norm2(xp, w), 1.0)
    rho = _norm2(xp, xp.matrix_transpose(vb) @ _kt_times(xp, b, c, z)) + e_z * sigma1
    s2 = float(lam_b[0]) - delta if n - p else math.inf
    tau = _norm2(xp, tmat)

    ranks, margins, errors = n - p, [], []
    for zj in (float(x) for x in zs):
        upper = zj + e_z
        low_sq = max(zj - e_z, 0.0) ** 2 - (2 * rho * rho / s2 if s2 < math.inf else 0.0)
        lower = math.sqrt(max(0.0, min(s2 / 4, low_sq / (1 + 2 * tau * tau))))
        half = max(upper - zj, zj - lower)
        ranks += zj > t
        margins.append(abs(zj - t) / half if half > 0 else math.inf)
        errors.append(half)
    for lj in (float(x) for x in lam[p:]):
        margins.append(abs(lj - t2) / delta_t)
        errors.append(delta_t)
    i = int(np.argmin(margins))
    margin = margins[i]
    if margin > 1:
        return ranks, margin, True, t, errors[i], "gram-eigh+subspace"
    # Still undecided: form the product (O(M N) memory), so that the answer is the forming
    # path's whenever that path can decide.
    return _formed(b, c, atol, rtol)


def khatri_rao_rank(
    b: Any,
    c: Any,
    *,
    atol: float | None = None,
    rtol: float | None = None,
    certified: bool = False,
    return_decision: bool = False,
) -> Any:
    """Rank of ``khatri_rao(b, c)`` without forming it; batched over broadcast leading dims.

    Same threshold as ``matrix_rank(khatri_rao(b, c), atol=atol, rtol=rtol)``: ``t = max(atol,
    rtol * sigma_1(K))`` with default ``rtol = max(d_b d_c, N) * eps``, and the same decision
    whenever that decision has a margin. Peak memory is O(N^2 + (d_b + d_c) N) on the Cholesky
    and eigenvalue paths (plus O(p d_b d_c) when ``p`` eigenvalues need the subspace stage).
    See the module docstring for the stages; ``RankDecision.method`` says which one decided.

    >>> b = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> int(khatri_rao_rank(b, b))
    3
    """
    xp, b, c = _check_pair(b, c, promote=True, check_finite=True)
    for name, val in (("atol", atol), ("rtol", rtol)):
        if val is not None and not (
            isinstance(val, numbers.Real)
            and not isinstance(val, (bool, np.bool_))
            and math.isfinite(val)
            and val >= 0
        ):
            raise KernelInputError(f"{name} must be a finite number >= 0; got {val!r}")
    dtype = xp.result_type(b, c)
    b, c = xp.astype(b, dtype, copy=False), xp.astype(c, dtype, copy=False)
    bshape = tuple(np.broadcast_shapes(tuple(b.shape[:-2]), tuple(c.shape[:-2])))
    b = xp.broadcast_to(b, (*bshape, *b.shape[-2:]))
    c = xp.broadcast_to(c, (*bshape, *c.shape[-2:]))
    count = math.prod(bshape)
    bf = xp.reshape(b, (count, *b.shape[-2:]))
    cf = xp.reshape(c, (count, *c.shape[-2:]))
    want_margin = return_decision
    rtol = None if rtol is None else float(rtol)
    if count > 1 and _batch_formable(xp, bf, cf):
        d = matrix_rank(khatri_rao(bf, cf), atol=atol, rtol=rtol, return_decision=True)
        decision = RankDecision(
            rank=xp.reshape(d.rank, bshape),
            margin=xp.reshape(d.margin, bshape),
            decided=xp.reshape(d.decided, bshape),
            threshold=xp.reshape(d.threshold, bshape),
            error=xp.reshape(d.error, bshape),
            notion="khatri-rao",
            method="formed-svd",
        )
        return finish(xp, decision, certified=certified, return_decision=return_decision)
    results = [_one(xp, bf[i], cf[i], float(atol or 0.0), rtol, want_margin) for i in range(count)]
    methods = sorted({r[5] for r in results}) or ["formed-svd"]
    dev = {} if not is_torch(xp) else {"device": b.device}

    def field(k, dt):
        return xp.reshape(xp.asarray([r[k] for r in results], dtype=dt, **dev), bshape)

    decision = RankDecision(
        rank=field(0, xp.int64),
        margin=field(1, dtype),
        decided=field(2, xp.bool),
        threshold=field(3, dtype),
        error=field(4, dtype),
        notion="khatri-rao",
        method="/".join(methods),
    )
    return finish(xp, decision, certified=certified, return_decision=return_decision)
