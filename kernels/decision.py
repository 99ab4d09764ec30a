"""Rank decisions with their margins: one record for every counting rank notion.

A rank is a count of values (singular values, normalised singular values, ``sigma_i^2/N``)
on one side of a threshold. Each value carries a floating-point error bound ``err_i``; the
decision's *margin* is ``min_i |value_i - threshold| / err_i``: how many error bounds the
nearest value lies from the threshold. ``margin > 1`` means no value can cross the threshold
within its error, and the count is *decided*; otherwise it is *undecidable* and certified mode
says so (:class:`RankUndecidableError`) instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rankclaims.kernels._backend import device_of, to_output
from rankclaims.kernels.errors import RankUndecidableError

__all__ = ["RankDecision", "count_decision", "finish"]


@dataclass(frozen=True)
class RankDecision:
    """A batch of rank decisions; every array field has the input's batch shape.

    Attributes
    ----------
    rank : integer array
        The count (the rank in the chosen notion).
    margin : float array
        ``min_i |value_i - threshold| / err_i`` (``inf`` when every value is exact, for
        example an empty or zero matrix). For ``khatri_rao_rank``'s Cholesky path it is a
        certified lower bound.
    decided : bool array
        ``margin > 1``: the count cannot change within the floating-point error.
    threshold : float array
        The threshold the values were compared with, in the values' units.
    error : float array
        The floating-point error bound of the value nearest the threshold, in the values'
        units: singular values for most methods, their squares (eigenvalues of the Gram
        ``K^T K``) for ``khatri_rao_rank``'s ``"gram-cholesky"`` and ``"gram-eigh"``.
    notion : str
        ``"numerical"``, ``"normalized"``, ``"soft"``, ``"exact"``, ``"khatri-rao"``.
    method : str
        What decided it: ``"svd"``, ``"formed-svd"``, ``"gram-cholesky"``, ``"gram-eigh"``,
        ``"gram-eigh+subspace"``, ``"exact"``.
    """

    rank: Any
    margin: Any
    decided: Any
    threshold: Any
    error: Any
    notion: str
    method: str

    @property
    def all_decided(self) -> bool:
        return bool(self.decided.all()) if hasattr(self.decided, "all") else bool(self.decided)


def count_decision(xp: Any, values: Any, threshold: Any, errors: Any, *, strict: bool = True):
    """Count ``values > threshold`` (``>=`` when not ``strict``) along the last axis.

    ``values`` and ``errors`` have shape ``(..., k)``, ``threshold`` broadcasts to ``(..., 1)``.
    Returns ``(count, margin, nearest_error)`` with the batch shape.
    """
    above = values > threshold if strict else values >= threshold
    count = xp.sum(xp.astype(above, xp.int64), axis=-1)
    dist = xp.abs(values - threshold)
    inf = xp.asarray(float("inf"), dtype=values.dtype, device=device_of(values))
    exact = errors == 0
    safe = xp.where(exact, xp.ones_like(errors), errors)
    ratio = xp.where(exact, inf, dist / safe)
    if values.shape[-1] == 0:
        shape = tuple(values.shape[:-1])
        margin = xp.full(shape, float("inf"), dtype=values.dtype, device=device_of(values))
        nearest = xp.zeros(shape, dtype=values.dtype, device=device_of(values))
        return count, margin, nearest
    margin = xp.min(ratio, axis=-1)
    idx = xp.argmin(ratio, axis=-1)
    nearest = xp.squeeze(
        xp.take_along_axis(
            xp.broadcast_to(errors, ratio.shape), xp.expand_dims(idx, axis=-1), axis=-1
        ),
        axis=-1,
    )
    return count, margin, nearest


def finish(xp: Any, decision: RankDecision, *, certified: bool, return_decision: bool):
    """Apply certified mode and pick the return value of a counting rank function."""
    if certified and not decision.all_decided:
        undecided = ~decision.decided
        n = int(xp.sum(xp.astype(undecided, xp.int64)))
        worst = float(xp.min(decision.margin))
        where = ""
        if decision.decided.ndim:
            import numpy as np

            idx = np.argwhere(np.asarray(_to_numpy(undecided)))[:5].tolist()
            where = f" at batch indices {idx}{' ...' if n > 5 else ''}"
        raise RankUndecidableError(
            f"{decision.notion} rank undecidable for {n} matrix(es){where}: a value lies within "
            f"its floating-point error of the threshold (smallest margin {worst:.3g} <= 1)",
            decision,
        )
    if return_decision:
        return decision
    return to_output(xp, decision.rank)


def _to_numpy(x: Any) -> Any:
    return x.cpu().numpy() if hasattr(x, "cpu") else x
