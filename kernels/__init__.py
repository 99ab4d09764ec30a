"""Certified rank and Khatri-Rao kernels for NumPy and PyTorch (CPU and CUDA).

Every kernel takes a matrix or a batch of matrices (shape ``(..., m, n)``), returns results in
the input's library (and device), decides float32 in float32 and float64 in float64, promotes
integers and booleans to float64, and refuses NaN, infinity, unsupported dtypes and mixed
libraries with an error that names the problem. See the README for the conventions table.
"""

from rankclaims.kernels.decision import RankDecision
from rankclaims.kernels.errors import KernelInputError, KernelTypeError, RankUndecidableError
from rankclaims.kernels.exact import exact_rank
from rankclaims.kernels.khatri_rao import khatri_rao, khatri_rao_rank
from rankclaims.kernels.lowrank import lowrank_distance
from rankclaims.kernels.rank import (
    effective_rank,
    matrix_rank,
    normalized_rank,
    singular_values,
    soft_rank,
    stable_rank,
    sv_error,
)

__all__ = [
    "KernelInputError",
    "KernelTypeError",
    "RankDecision",
    "RankUndecidableError",
    "effective_rank",
    "exact_rank",
    "khatri_rao",
    "khatri_rao_rank",
    "lowrank_distance",
    "matrix_rank",
    "normalized_rank",
    "singular_values",
    "soft_rank",
    "stable_rank",
    "sv_error",
]
