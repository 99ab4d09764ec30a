"""Huge and tiny entries: ranks are scale-invariant, so they must not overflow to a wrong rank.

Found while building the kernels: float32 entries near 3e38 give sigma_1 = inf and rank 0 in
NumPy (and gave the same here); Khatri-Rao factors with entries 1e200 overflowed the Gram and
gave rank 3 for a product of exact rank 2. The kernels now rescale by exact powers of two.
"""

from __future__ import annotations

import numpy as np
import pytest

from rankclaims.kernels import (
    KernelInputError,
    effective_rank,
    exact_rank,
    khatri_rao,
    khatri_rao_rank,
    lowrank_distance,
    matrix_rank,
    normalized_rank,
    singular_values,
    soft_rank,
    stable_rank,
)

# rows [1, -1, 1] and [1, 1, 1] twice: exact rank 2, at every scale
PATTERN = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])


@pytest.mark.parametrize(
    ("scale", "dtype"),
    [
        (3e38, np.float32),
        (1e-38, np.float32),
        (1e-44, np.float32),
        (1e300, np.float64),
        (1e-300, np.float64),
        (1e-310, np.float64),
    ],
)
def test_rank_is_scale_invariant_at_the_ends_of_the_range(xp, scale, dtype):
    a = (PATTERN * scale).astype(dtype)
    assert exact_rank(a) == 2
    assert int(matrix_rank(xp.asarray(a), rtol=1e-3)) == 2
    assert int(normalized_rank(xp.asarray(a))) == 2
    ref = stable_rank(xp.asarray(PATTERN.astype(dtype)))
    np.testing.assert_allclose(xp.to_numpy(stable_rank(xp.asarray(a))), xp.to_numpy(ref), rtol=1e-5)
    ref = effective_rank(xp.asarray(PATTERN.astype(dtype)))
    got = effective_rank(xp.asarray(a))
    np.testing.assert_allclose(xp.to_numpy(got), xp.to_numpy(ref), rtol=1e-5)


def test_numpy_gets_the_float32_overflow_case_wrong():
    # the reason for the rescaling: NumPy answers rank 0 for a matrix of exact rank 2
    a = (PATTERN * 3e38).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.linalg.matrix_rank(a) != 2
    assert int(matrix_rank(a, rtol=1e-3)) == 2


def test_atol_is_in_the_inputs_units_after_rescaling(xp):
    a = xp.asarray(np.diag([3e38, 1e30, 1e20]).astype(np.float32))
    assert int(matrix_rank(a, atol=1e25)) == 2
    assert int(matrix_rank(a, atol=1e35)) == 1
    d = matrix_rank(a, atol=1e25, return_decision=True)
    np.testing.assert_allclose(float(d.threshold), 1e25, rtol=1e-6)


def test_unrepresentable_results_raise(xp):
    a = xp.asarray((PATTERN * 3e38).astype(np.float32))
    with pytest.raises(KernelInputError, match="overflow float32"):
        singular_values(a)
    with pytest.raises(KernelInputError, match="overflow"):
        soft_rank(a, 0.5)
    with pytest.raises(KernelInputError, match="overflow"):
        lowrank_distance(a, 0)


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_khatri_rao_rank_of_huge_and_tiny_factors(xp, scale):
    b = PATTERN * scale
    assert exact_rank(khatri_rao(PATTERN, PATTERN)) == 2
    assert int(khatri_rao_rank(xp.asarray(b), xp.asarray(b))) == 2
    d = khatri_rao_rank(xp.asarray(b), xp.asarray(b), return_decision=True)
    assert int(d.rank) == 2
    assert bool(d.decided)
