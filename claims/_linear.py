"""Deep linear networks in closed form (Sankar et al. 2018, Section 2 and Eq. 15).

The network is ``x ↦ W_H ⋯ W_1 x`` with ``W_i ∈ ℝ^{d_i × d_{i-1}}``, the loss
``L(W) = ½‖W_H ⋯ W_1 X − Y‖_F²``. Every function here is polynomial and works on float
arrays and on NumPy object arrays of ``fractions.Fraction`` alike, so a claim built on them
can be re-run on exact rationals to certify a refutation. The closed-form gradient is tested
against PyTorch's autograd in ``tests/test_claims_sankar.py``. Arrays may carry leading batch
axes (a batched claim's instances).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["gradients", "loss", "pgd_step", "prefix", "product", "suffix"]


def _t(a: Any) -> Any:
    """The transpose of a matrix, or of each matrix of a batch (leading axes kept)."""
    return np.swapaxes(a, -1, -2)


def product(ws: list[Any]) -> Any:
    """ℜ = W_H ⋯ W_1 for ``ws = [W_1, ..., W_H]``."""
    r = ws[0]
    for w in ws[1:]:
        r = w @ r
    return r


def suffix(ws: list[Any], i: int) -> Any | None:
    """W_H ⋯ W_{i+1} (``None`` when i = H): the layers above layer i (0-based i)."""
    above = ws[i + 1 :]
    return product(above) if above else None


def prefix(ws: list[Any], i: int) -> Any | None:
    """W_{i-1} ⋯ W_1 (``None`` when i = 1): the layers below layer i (0-based i)."""
    below = ws[:i]
    return product(below) if below else None


def loss(ws: list[Any], x: Any, y: Any) -> Any:
    """½‖ℜX − Y‖_F² (exact for object arrays of fractions)."""
    e = product(ws) @ x - y
    return (e * e).sum() / 2


def gradients(ws: list[Any], x: Any, y: Any) -> list[Any]:
    """∂L/∂W_i = (W_H⋯W_{i+1})ᵀ (ℜX − Y) Xᵀ (W_{i-1}⋯W_1)ᵀ for every i (Eq. 15)."""
    core = (product(ws) @ x - y) @ _t(x)
    out = []
    for i in range(len(ws)):
        g = core
        above, below = suffix(ws, i), prefix(ws, i)
        if above is not None:
            g = _t(above) @ g
        if below is not None:
            g = g @ _t(below)
        out.append(g)
    return out


def pgd_step(ws: list[Any], x: Any, y: Any, eta: Any, noise: list[Any]) -> list[Any]:
    """One step of Algorithm 1: W_i ← W_i − η(∂L/∂W_i + ε_i), every gradient taken at the
    current iterate (the loop of Algorithm 1 reads ``W_i^t`` for every i)."""
    grads = gradients(ws, x, y)
    return [w - eta * (g + e) for w, g, e in zip(ws, grads, noise, strict=True)]
