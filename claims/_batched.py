"""A check run on a whole batch of instances at once.

A batched claim's check is written once, for one instance, with the usual :class:`Check`
methods and array arithmetic that broadcasts over a leading axis (``A @ B``, ``r + k``,
comparisons). :class:`BatchCheck` runs that same function on a :class:`Batch`: every rank
is one batched kernel call, and every premise, rank decision and conclusion acts on a
boolean mask of the instances instead of raising. At the end each instance is one of:

- *unmet*: a premise failed (counted with its reason, as an unbatched example would be);
- *undecided*: a rank in the grey zone, an identity with non-finite sides;
- *failed*: a conclusion failed; the runner takes the instance out of the batch and runs
  the check on it alone (:class:`Check`), which certifies it (exact recomputation, margin)
  or counts it undecided, exactly as for an unbatched example;
- *decided*: everything held.

A check that branches on an instance's values in Python (``if r > 0:``) cannot run on a
batch (NumPy raises on the truth value of an array): such a claim stays unbatched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rankclaims.claims._core import (
    Check,
    PremiseUnmet,
    Undecided,
    Violation,
    _ExampleRecord,
    rank_rtol,
)
from rankclaims.claims._mutation import site_operator
from rankclaims.kernels import khatri_rao_rank, matrix_rank

__all__ = ["BatchCheck", "outcome_alone"]


def _np(x: Any) -> np.ndarray:
    """A NumPy copy of an array or tensor (on the CPU)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _dtype(x: Any) -> np.dtype:
    """The NumPy dtype of an array or tensor."""
    return _np(x[:0]).dtype if _is_torch(x) else np.asarray(x).dtype


def _is_torch(x: Any) -> bool:
    return hasattr(x, "detach") and hasattr(x, "device")


class BatchCheck(Check):
    """The evidence of one batch of ``size`` instances, kept per instance.

    ``alive[i]``: instance ``i`` met every premise so far and nothing about it is
    undecided or failed yet. ``unmet``/``undecided``/``failed`` map an instance to its
    reason (the first one). Recorded statistics (margins, ratios, errors, tightness) are
    the worst over the instances alive when they were computed.
    """

    def __init__(self, size: int, *, record: _ExampleRecord | None = None) -> None:
        super().__init__(exact=False, record=record)
        self.size = int(size)
        self.alive = np.ones(self.size, dtype=bool)
        self.unmet: dict[int, str] = {}
        self.undecided: dict[int, str] = {}
        self.failed: dict[int, str] = {}

    # -- masks -------------------------------------------------------------------------
    def _mask(self, condition: Any, what: str) -> np.ndarray:
        m = _np(condition)
        if m.dtype != bool:
            m = m.astype(bool)
        if m.ndim == 0:
            return np.full(self.size, bool(m))
        if m.shape != (self.size,):
            raise ValueError(
                f"{what}: a batched condition must have shape ({self.size},) (one value per "
                f"instance); got {m.shape}"
            )
        return m

    def _drop(self, where: np.ndarray, reasons: dict[int, str], why: str) -> None:
        for i in np.flatnonzero(where & self.alive):
            reasons.setdefault(int(i), why)
        self.alive &= ~where

    def _clean(self, a: Any) -> Any:
        """``a`` with the instances no longer alive zeroed, so that the values a dead
        instance left (NaN from a division it failed the premise of) cannot stop the kernel
        deciding the others."""
        if bool(self.alive.all()):
            return a
        if _is_torch(a):
            import torch

            keep = torch.as_tensor(self.alive, device=a.device).reshape(-1, *[1] * (a.ndim - 1))
            return torch.where(keep, a, torch.zeros((), dtype=a.dtype, device=a.device))
        arr = np.asarray(a)
        keep = self.alive.reshape(-1, *[1] * (arr.ndim - 1))
        return np.where(keep, arr, np.zeros((), dtype=arr.dtype))

    # -- premises ------------------------------------------------------------------------
    def premise(self, condition: Any, what: str, *, nonvacuity: bool = False) -> None:
        ok = self._mask(condition, what)
        unmet_now = bool(np.any(self.alive & ~ok))
        if site_operator("guard" if nonvacuity else "premise", what, unmet=unmet_now) == "drop":
            return
        self._drop(~ok, self.unmet, what)

    # -- ranks ---------------------------------------------------------------------------
    def _decided(self, d: Any, name: str) -> np.ndarray:
        """Ranks of one matrix per instance, or of a stack per instance (``(size, ..., m,
        n)``): an instance's margin is its smallest, and one of its matrices in the grey
        zone makes it undecided."""
        ranks = _np(d.rank).astype(np.int64)
        margin = _np(d.margin).astype(np.float64).reshape(self.size, -1).min(axis=1)
        decided = _np(d.decided).astype(bool).reshape(self.size, -1).all(axis=1)
        live = self.alive & decided
        if live.any():
            self._margin(name, float(margin[live].min()))
        self._drop(~decided, self.undecided, f"rank of {name} in the grey zone (margin <= 1)")
        return ranks

    def _as_float(self, a: Any) -> Any:
        if _is_torch(a):
            import torch

            return a if a.is_floating_point() else a.to(torch.float64)
        arr = np.asarray(a)
        return arr if arr.dtype.kind == "f" else arr.astype(np.float64)

    def rank(self, a: Any, name: str, *, rtol: float | None = None, notion: str = "exact") -> Any:
        """:meth:`Check.rank` per instance: ``a`` of shape ``(size, m, n)``, or ``(size, ...,
        m, n)`` for a stack of matrices per instance; the ranks have ``a``'s leading shape."""
        if notion not in ("exact", "numerical"):
            raise ValueError(f"notion={notion!r} must be 'exact' or 'numerical'")
        op = site_operator("rank", name)
        arr = self._clean(self._as_float(a))
        tol = rank_rtol(_dtype(arr)) if rtol is None else rtol
        d = matrix_rank(arr, rtol=tol, return_decision=True)
        r = self._decided(d, name)
        return r + 1 if op == "rank+1" else (r - 1 if op == "rank-1" else r)

    def rank_at_most(
        self, a: Any, bound: Any, name: str, *, rtol: float | None = None, atol: float = 0.0
    ) -> Any:
        if site_operator("rank_at_most", name) == "bound-1":
            bound = bound - 1
        arr = self._clean(self._as_float(a))
        tol = rank_rtol(_dtype(arr)) if rtol is None else rtol
        d = matrix_rank(arr, rtol=tol, atol=float(atol), return_decision=True)
        r = self._decided(d, name)
        over = self.alive & (r > _np(bound)).reshape(self.size, -1).any(axis=1)
        self._drop(over, self.failed, f"fails: {name} ≤ bound")
        return r

    def khatri_rao_rank(
        self, b: Any, c: Any, name: str, *, rtol: float | None = None, notion: str = "exact"
    ) -> Any:
        if notion not in ("exact", "numerical"):
            raise ValueError(f"notion={notion!r} must be 'exact' or 'numerical'")
        op = site_operator("khatri_rao_rank", name)
        bb, cc = self._clean(self._as_float(b)), self._clean(self._as_float(c))
        dt = np.result_type(_dtype(bb), _dtype(cc))
        tol = rank_rtol(dt) if rtol is None else rtol
        d = khatri_rao_rank(bb, cc, rtol=tol, return_decision=True)
        self.tally(f"kernel deciding {name}", d.method)
        r = self._decided(d, name)
        return r + 1 if op == "rank+1" else (r - 1 if op == "rank-1" else r)

    # -- conclusions ---------------------------------------------------------------------
    def holds(
        self,
        condition: Any,
        what: str,
        *,
        certain: bool = False,
        margin: Any = None,
        certificate: str | None = None,
    ) -> None:
        ok = self._mask(condition, what)
        if site_operator("holds", what) == "negate":
            ok = ~ok
        self._drop(~ok, self.failed, f"fails: {what}")

    def close(self, lhs: Any, rhs: Any, name: str, *, tol: float, scale: Any = None) -> None:
        perturb = site_operator("close", name) == "perturb"
        a = _np(lhs).astype(np.float64)
        b = _np(rhs).astype(np.float64)
        a = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape))
        b = np.broadcast_to(b, a.shape)
        if a.ndim == 0 or a.shape[0] != self.size:
            raise ValueError(f"{name}: a batched identity needs values per instance (axis 0)")
        flat_a, flat_b = a.reshape(self.size, -1), b.reshape(self.size, -1)
        if scale is None:
            sc = np.maximum(np.linalg.norm(flat_a, axis=1), np.linalg.norm(flat_b, axis=1))
        else:
            sc = np.broadcast_to(_np(scale).astype(np.float64), (self.size,))
        if perturb:  # Check.close's mutant per instance: 1000·tol·scale spread over its entries
            delta = 1000.0 * float(tol) * np.where(sc > 0, sc, 1.0)
            delta = np.where(delta > 0, delta, 1e-6)
            flat_b = flat_b + (delta / np.sqrt(max(flat_b.shape[1], 1)))[:, None]
            if scale is None:
                sc = np.maximum(np.linalg.norm(flat_a, axis=1), np.linalg.norm(flat_b, axis=1))
        finite = np.isfinite(flat_a).all(axis=1) & np.isfinite(flat_b).all(axis=1)
        self._drop(~finite, self.undecided, f"{name}: non-finite values")
        err = np.linalg.norm(np.where(finite[:, None], flat_a - flat_b, 0.0), axis=1)
        bound = tol * sc
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(bound > 0, err / bound, np.where(err == 0, 0.0, np.inf))
        live = self.alive
        if live.any():
            worst = float(ratio[live].max())
            old = self.record.errors.get(name)
            self.record.errors[name] = worst if old is None else max(old, worst)
        self._drop(ratio > 1, self.failed, f"{name}: ‖lhs − rhs‖ exceeds the tolerance")

    def leq(self, lhs: Any, rhs: Any, name: str, *, tol: float = 0.0, atol: float = 0.0) -> None:
        op = site_operator("leq", name)
        lhs_f = np.broadcast_to(_np(lhs).astype(np.float64), (self.size,))
        rhs_f = np.broadcast_to(_np(rhs).astype(np.float64), (self.size,))
        if op == "reverse":
            lhs_f, rhs_f = rhs_f, lhs_f
        elif op == "tighten":
            rhs_f = rhs_f - np.abs(rhs_f) / 2
        finite = np.isfinite(lhs_f) & np.isfinite(rhs_f)
        self._drop(~finite, self.undecided, f"{name}: non-finite side")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(rhs_f > 0, lhs_f / rhs_f, np.where(lhs_f <= 0, 0.0, np.inf))
        live = np.flatnonzero(self.alive)
        if live.size:
            j = live[np.argmax(ratio[live])]
            old = self.record.ratios.get(name)
            if old is None or ratio[j] > old[0]:
                self.record.ratios[name] = (float(ratio[j]), float(lhs_f[j]), float(rhs_f[j]))
        slack = tol * np.maximum(np.abs(lhs_f), np.abs(rhs_f)) + float(atol)
        self._drop(lhs_f > rhs_f + slack, self.failed, f"fails: {name}")

    def tightness(self, name: str, value: Any, *, minimize: bool = False) -> None:
        v = np.broadcast_to(_np(value).astype(np.float64), (self.size,))
        live = self.alive & np.isfinite(v)
        if live.any():
            worst = float(v[live].min() if minimize else v[live].max())
            super().tightness(name, worst, minimize=minimize)

    def fact(self, name: str, value: Any) -> None:
        v = _np(value)
        if v.ndim and v.shape[0] == self.size:
            live = np.flatnonzero(self.alive)
            if not live.size:
                return
            v = v[live[-1]]
        super().fact(name, v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)

    # -- not batchable -------------------------------------------------------------------
    def _unbatchable(self, method: str) -> None:
        raise TypeError(
            f"Check.{method} cannot run on a batch of instances: declare the claim with an "
            "unbatched strategy"
        )

    def frequency_at_least(self, *args: Any, **kwargs: Any) -> None:
        self._unbatchable("frequency_at_least")

    def mean_close(self, *args: Any, **kwargs: Any) -> None:
        self._unbatchable("mean_close")

    def mean_at_least(self, *args: Any, **kwargs: Any) -> Any:
        self._unbatchable("mean_at_least")

    def mean_at_most(self, *args: Any, **kwargs: Any) -> Any:
        self._unbatchable("mean_at_most")

    # -- the outcome ---------------------------------------------------------------------
    def outcomes(self) -> list[str]:
        """Each instance's outcome after the check: ``unmet``, ``undecided``, ``failed`` or
        ``decided``."""
        out = ["decided" if alive else "" for alive in self.alive]
        for reasons, what in ((self.unmet, "unmet"), (self.undecided, "undecided")):
            for i in reasons:
                out[i] = what
        for i in self.failed:
            out[i] = "failed"
        return out


def outcome_alone(check: Any, inputs: dict[str, Any], *, exact: bool = False) -> str:
    """The outcome one instance gets from the unbatched :class:`Check` (what a batch's
    :meth:`BatchCheck.outcomes` must equal, instance by instance): ``unmet``,
    ``undecided``, ``failed`` or ``decided``. ``check`` is a claim or its check function."""
    fn = getattr(check, "check", check)
    try:
        fn(Check(exact=exact), **inputs)
    except PremiseUnmet:
        return "unmet"
    except Undecided:
        return "undecided"
    except Violation:
        return "failed"
    return "decided"
