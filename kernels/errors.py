"""The kernels' error types: every bad input names what is wrong (shape, dtype, NaN, ...)."""

from __future__ import annotations

__all__ = ["KernelInputError", "KernelTypeError", "RankUndecidableError"]


class KernelInputError(ValueError):
    """Bad input values or shapes: NaN or infinity, too few dimensions, mismatched sizes."""


class KernelTypeError(KernelInputError, TypeError):
    """Bad input types: an unsupported dtype, or NumPy and PyTorch arguments mixed.

    It is both a :class:`ValueError` (through :class:`KernelInputError`) and a
    :class:`TypeError`, so either ``except`` clause catches it.
    """


class RankUndecidableError(ArithmeticError):
    """A certified rank was asked for and floating point cannot decide it.

    Raised when a singular value (or the quantity a rank notion compares) lies within its
    floating-point error of the threshold. ``decision`` holds the full :class:`RankDecision`.
    """

    def __init__(self, message: str, decision: object = None):
        super().__init__(message)
        self.decision = decision
