"""lowrank_distance against the truncated-SVD residual (Eckart-Young-Mirsky)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankclaims.kernels import KernelInputError, lowrank_distance

FIXTURE_HEALTH = [HealthCheck.function_scoped_fixture]  # `xp` is stateless
NP_ORD = {"fro": "fro", "spectral": 2, "nuclear": "nuc"}


def truncated_residual(w: np.ndarray, k: int, norm: str) -> np.ndarray:
    """``||W - W_k||`` with ``W_k`` the rank-k truncated SVD, per matrix of a batch (NumPy)."""
    w = np.asarray(w, dtype=np.float64)
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    s_k = s.copy()
    s_k[..., k:] = 0
    wk = (u * s_k[..., None, :]) @ vt
    r = w - wk
    if r.shape[-1] == 0 or r.shape[-2] == 0:
        return np.zeros(w.shape[:-2])
    return np.linalg.norm(r, ord=NP_ORD[norm], axis=(-2, -1))


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 8),
    n=st.integers(1, 8),
    k=st.integers(0, 9),
    norm=st.sampled_from(["fro", "spectral", "nuclear"]),
    dtype=st.sampled_from([np.float64, np.float32]),
    batch=st.sampled_from([(), (3,), (2, 2)]),
)
def test_matches_truncated_svd_residual(xp, seed, m, n, k, norm, dtype, batch):
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((*batch, m, n)) * rng.uniform(0.01, 100)).astype(dtype)
    got = lowrank_distance(xp.asarray(w), k, norm)
    assert xp.is_native(got)
    got = xp.to_numpy(got)
    assert got.dtype == dtype
    assert got.shape == batch
    ref = truncated_residual(w, k, norm)
    scale = np.linalg.norm(w.astype(np.float64), ord="nuc", axis=(-2, -1)) if m and n else 0
    tol = (1e-12 if dtype == np.float64 else 1e-5) * (scale + 1e-300)
    assert np.all(np.abs(got - ref) <= tol)
    if k >= min(m, n):
        np.testing.assert_array_equal(got, 0)


def test_known_values(xp):
    w = xp.asarray(np.diag([3.0, 2.0, 1.0]))
    assert float(lowrank_distance(w, 1, "fro")) == pytest.approx(np.sqrt(5.0), rel=1e-15)
    assert float(lowrank_distance(w, 1, "spectral")) == pytest.approx(2.0, rel=1e-15)
    assert float(lowrank_distance(w, 1, "nuclear")) == pytest.approx(3.0, rel=1e-15)
    assert float(lowrank_distance(w, 0, "fro")) == pytest.approx(np.sqrt(14.0), rel=1e-15)
    assert float(lowrank_distance(w, 0, "spectral")) == pytest.approx(3.0, rel=1e-15)
    assert float(lowrank_distance(w, 2, "nuclear")) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("norm", ["fro", "spectral", "nuclear"])
@pytest.mark.parametrize("k", [3, 4, 100])
def test_k_at_least_min_dim_gives_zero(xp, norm, k):
    rng = np.random.default_rng(k)
    w = rng.standard_normal((2, 5, 3))
    got = lowrank_distance(xp.asarray(w), k, norm)
    np.testing.assert_array_equal(xp.to_numpy(got), [0.0, 0.0])


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("frobenius", "fro"), (2, "spectral"), ("2", "spectral"), ("nuc", "nuclear")],
)
def test_norm_aliases(xp, alias, canonical):
    rng = np.random.default_rng(1)
    w = xp.asarray(rng.standard_normal((3, 6, 4)))
    np.testing.assert_array_equal(
        xp.to_numpy(lowrank_distance(w, 1, alias)), xp.to_numpy(lowrank_distance(w, 1, canonical))
    )
    # and the aliases are not all the same number
    fro, spec, nuc = (xp.to_numpy(lowrank_distance(w, 1, x)) for x in ("fro", 2, "nuc"))
    assert np.all(spec < fro) and np.all(fro < nuc)


def test_default_norm_is_frobenius(xp):
    w = xp.asarray(np.diag([3.0, 2.0, 1.0]))
    assert float(lowrank_distance(w, 1)) == pytest.approx(np.sqrt(5.0), rel=1e-15)


def test_rank_deficient_distance_is_tiny(xp):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((7, 2)) @ rng.standard_normal((2, 6))
    s1 = np.linalg.norm(w, 2)
    for norm in ("fro", "spectral", "nuclear"):
        assert float(lowrank_distance(xp.asarray(w), 2, norm)) <= 1e-13 * s1
        assert float(lowrank_distance(xp.asarray(w), 1, norm)) > 1e-3 * s1


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (0, 2, 2)])
def test_empty(xp, shape):
    got = lowrank_distance(xp.asarray(np.zeros(shape)), 0, "spectral")
    np.testing.assert_array_equal(xp.to_numpy(got), np.zeros(shape[:-2]))


def test_integer_input_promoted(xp):
    got = lowrank_distance(xp.asarray(np.array([[3, 0], [0, 4]])), 1, "fro")
    assert xp.is_native(got)
    assert xp.to_numpy(got).dtype == np.float64
    assert float(got) == 3.0


@pytest.mark.parametrize("k", [-1, 1.5, float("nan"), True, "1", None])
def test_bad_k(xp, k):
    with pytest.raises(KernelInputError, match="k must be"):
        lowrank_distance(xp.asarray(np.eye(3)), k)


@pytest.mark.parametrize("norm", ["max", "inf", 1, -2, None, "Fro", 2.0, "operator"])
def test_unknown_norm(xp, norm):
    with pytest.raises(KernelInputError, match="norm must be"):
        lowrank_distance(xp.asarray(np.eye(3)), 1, norm)
