"""The papers' rank notions: normalized_rank, soft_rank, effective_rank, stable_rank."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankclaims.kernels import (
    KernelInputError,
    RankDecision,
    RankUndecidableError,
    effective_rank,
    exact_rank,
    khatri_rao_rank,
    lowrank_distance,
    matrix_rank,
    normalized_rank,
    singular_values,
    soft_rank,
    stable_rank,
    sv_error,
)

FIXTURE_HEALTH = [HealthCheck.function_scoped_fixture]  # `xp` is stateless


def with_spectrum(rng, m, n, s):
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    full = np.zeros(k)
    full[: len(s)] = s
    return (u[:, :k] * full) @ v[:, :k].T


def svals(a):
    return np.linalg.svd(np.asarray(a, dtype=np.float64), compute_uv=False)


# --- normalized_rank ----------------------------------------------------------------------


def test_normalized_rank_spectral_counts_relative_to_sigma1(xp):
    s = np.array([5.0, 1.0, 1e-3, 6e-4, 4e-4, 1e-6])  # / 5: 1, .2, 2e-4, 1.2e-4, 8e-5, 2e-7
    a = with_spectrum(np.random.default_rng(0), 7, 6, s)
    r = normalized_rank(xp.asarray(a))
    assert xp.is_native(r)
    assert int(r) == 4
    d = normalized_rank(xp.asarray(a), return_decision=True)
    assert d.notion == "normalized"
    assert bool(d.decided)
    assert float(d.threshold) == pytest.approx(1e-4)
    assert int(normalized_rank(xp.asarray(a), threshold=1e-5)) == 5
    assert int(normalized_rank(xp.asarray(a), threshold=0.5)) == 1


def test_normalized_rank_frobenius_divides_by_frobenius_norm(xp):
    s = np.array([3.0, 4.0, 1e-4 * 5 * 1.5, 1e-4 * 5 * 0.9])  # ||W||_F = 5.0000...
    a = with_spectrum(np.random.default_rng(1), 5, 4, s)
    fro = np.linalg.norm(a)
    expected = int(np.sum(svals(a) / fro > 1e-4))
    assert expected == 3
    assert int(normalized_rank(xp.asarray(a), normalization="frobenius")) == expected
    # spectral: sigma_1 = 4 < ||W||_F, so it counts at least as many
    assert int(normalized_rank(xp.asarray(a))) == 4


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 8),
    n=st.integers(1, 8),
    log_scale=st.floats(-30, 30),
)
def test_normalized_rank_scale_invariant_and_frobenius_never_more(xp, seed, m, n, log_scale):
    rng = np.random.default_rng(seed)
    k = min(m, n)
    s = 10.0 ** rng.uniform(-7, 0, k)
    a = with_spectrum(rng, m, n, s)
    scale = 2.0 ** round(log_scale * 3.3)  # a power of two: scaling is exact
    d1 = normalized_rank(xp.asarray(a), return_decision=True)
    d2 = normalized_rank(xp.asarray(a * scale), return_decision=True)
    assert int(d1.rank) == int(d2.rank)
    assert float(d1.margin) == pytest.approx(float(d2.margin), rel=1e-9)
    fro = normalized_rank(xp.asarray(a), normalization="frobenius")
    assert int(fro) <= int(d1.rank)
    if bool(d1.decided):
        assert int(d1.rank) == int(np.sum(svals(a) / svals(a)[0] > 1e-4))


def test_normalized_rank_zero_matrix_is_zero(xp):
    for normalization in ("spectral", "frobenius"):
        d = normalized_rank(
            xp.asarray(np.zeros((3, 4))), normalization=normalization, return_decision=True
        )
        assert int(d.rank) == 0
        assert bool(d.decided)
        assert int(normalized_rank(xp.asarray(np.zeros((2, 3, 4))), certified=True).sum()) == 0
    r = normalized_rank(xp.asarray(np.zeros((2, 3, 3))))
    np.testing.assert_array_equal(xp.to_numpy(r), [0, 0])


def test_normalized_rank_at_threshold_is_undecidable(xp):
    a = np.diag([1.0, 1e-4, 1e-2])
    assert int(normalized_rank(xp.asarray(a))) == 2  # strict >
    with pytest.raises(RankUndecidableError) as info:
        normalized_rank(xp.asarray(a), certified=True)
    assert info.value.decision.notion == "normalized"
    assert int(normalized_rank(xp.asarray(np.diag([1.0, 2e-4, 1e-2])), certified=True)) == 3


def test_normalized_rank_error_model(xp):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 6, 4))
    d = normalized_rank(xp.asarray(a), return_decision=True)
    s = xp.to_numpy(singular_values(xp.asarray(a)))
    e = xp.to_numpy(sv_error(singular_values(xp.asarray(a)), 6, 4, a.dtype))
    values = s / s[..., :1]
    errors = e * (1 + values) / s[..., :1]
    margin = np.min(np.abs(values - 1e-4) / errors, axis=-1)
    np.testing.assert_allclose(xp.to_numpy(d.margin), margin, rtol=1e-9)


def test_normalized_rank_batched(xp):
    rng = np.random.default_rng(9)
    s = [[1.0, 0.1, 1e-5], [1.0, 1e-3, 1e-3], [2.0, 1e-8, 0.0]]
    a = np.stack([with_spectrum(rng, 4, 3, row) for row in s]).reshape(3, 1, 4, 3)
    r = normalized_rank(xp.asarray(a))
    assert tuple(r.shape) == (3, 1)
    np.testing.assert_array_equal(xp.to_numpy(r)[:, 0], [2, 3, 1])


# --- soft_rank ---------------------------------------------------------------------------


def _h(d, n, svs):
    h = np.zeros((d, n))
    for i, s in enumerate(svs):
        h[i, i] = s
    return h


def test_soft_rank_ge_semantics_and_n_is_columns(xp):
    h = _h(3, 4, [2.0, 1.0, 0.5])  # sigma^2 / 4 = 1, 0.25, 0.0625
    assert int(soft_rank(xp.asarray(h), 0.25)) == 2  # >=: 0.25 counts
    assert int(soft_rank(xp.asarray(h), 0.2)) == 2
    assert int(soft_rank(xp.asarray(h), 0.0625)) == 3
    assert int(soft_rank(xp.asarray(h), 0.07)) == 2
    assert int(soft_rank(xp.asarray(h), 1.5)) == 0
    # transposed: N = 3 columns, sigma^2 / 3 = 4/3, 1/3, 1/12
    ht = h.T
    assert int(soft_rank(xp.asarray(ht), 0.3)) == 2
    assert int(soft_rank(xp.asarray(ht), 0.25)) == 2  # 1/3 >= .25, but 1/12 < .25
    assert int(soft_rank(xp.asarray(ht), 1.0)) == 1


def test_soft_rank_value_at_tau_is_undecidable(xp):
    h = _h(3, 4, [2.0, 1.0, 0.5])
    with pytest.raises(RankUndecidableError) as info:
        soft_rank(xp.asarray(h), 0.25, certified=True)
    d = info.value.decision
    assert d.notion == "soft"
    assert int(d.rank) == 2
    assert float(d.margin) == 0.0
    assert int(soft_rank(xp.asarray(h), 0.2, certified=True)) == 2


def test_soft_rank_margin_definition(xp):
    rng = np.random.default_rng(4)
    h = rng.standard_normal((2, 5, 9))
    tau = 0.7
    d = soft_rank(xp.asarray(h), tau, return_decision=True)
    s = xp.to_numpy(singular_values(xp.asarray(h)))
    e = xp.to_numpy(sv_error(singular_values(xp.asarray(h)), 5, 9, h.dtype))
    values = s * s / 9
    errors = (2 * s * e + e * e) / 9
    np.testing.assert_array_equal(xp.to_numpy(d.rank), np.sum(values >= tau, axis=-1))
    np.testing.assert_allclose(
        xp.to_numpy(d.margin), np.min(np.abs(values - tau) / errors, axis=-1), rtol=1e-9
    )


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 8), n=st.integers(1, 10))
def test_soft_rank_matches_definition_where_decided(xp, seed, d, n):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((d, n)) * rng.uniform(0.1, 3)
    tau = float(rng.uniform(0, 2))
    dec = soft_rank(xp.asarray(h), tau, return_decision=True)
    assert dec.notion == "soft"
    if bool(dec.decided):
        assert int(dec.rank) == int(np.sum(svals(h) ** 2 / n >= tau))
    # Daneshmand et al., Lemma 1: rank_tau(H) >= (1 - tau)^2 r(H) when Tr(M) = d (rows of
    # squared norm N on average, as after batch normalisation), tau in [0, 1].
    hn = h * math.sqrt(n * d) / np.linalg.norm(h)
    tau01 = float(rng.uniform(0, 1))
    rk = int(soft_rank(xp.asarray(hn), tau01))
    r = float(effective_rank(xp.asarray(hn)))
    assert rk >= (1 - tau01) ** 2 * r * (1 - 1e-9)


def test_soft_rank_zero_and_empty(xp):
    assert int(soft_rank(xp.asarray(np.zeros((3, 4))), 0.5)) == 0
    assert int(soft_rank(xp.asarray(np.zeros((3, 0))), 0.5)) == 0
    assert int(soft_rank(xp.asarray(np.zeros((0, 3))), 0.0)) == 0


# --- effective_rank ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 9),
    n=st.integers(1, 9),
    rank=st.integers(0, 9),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_effective_rank_formula_and_bounds(xp, seed, d, n, rank, dtype):
    rng = np.random.default_rng(seed)
    rank = min(rank, d, n)
    # small-integer factors: the product is exact in float32 and its rank is known exactly
    h = (rng.integers(-3, 4, (d, rank)) @ rng.integers(-3, 4, (rank, n))).astype(dtype)
    r = effective_rank(xp.asarray(h))
    assert xp.is_native(r)
    assert xp.to_numpy(r).dtype == dtype
    r = float(r)
    s = svals(h)
    true_rank = exact_rank(h)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    if true_rank == 0:
        assert r == 0.0
        return
    expected = np.sum(s**2) ** 2 / np.sum(s**4)
    assert r == pytest.approx(expected, rel=tol)
    assert 1 - tol <= r <= true_rank * (1 + tol)


def test_effective_rank_known_values(xp):
    assert float(effective_rank(xp.asarray(np.eye(4)))) == pytest.approx(4.0, rel=1e-14)
    assert float(effective_rank(xp.asarray(np.ones((3, 5))))) == pytest.approx(1.0, rel=1e-14)
    # sigma = (2, 1): (4 + 1)^2 / (16 + 1)
    a = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert float(effective_rank(xp.asarray(a))) == pytest.approx(25 / 17, rel=1e-14)
    assert float(effective_rank(xp.asarray(a.T))) == pytest.approx(25 / 17, rel=1e-14)
    assert float(effective_rank(xp.asarray(np.zeros((3, 4))))) == 0.0
    batch = effective_rank(xp.asarray(np.stack([np.eye(3), np.zeros((3, 3))])))
    np.testing.assert_allclose(xp.to_numpy(batch), [3.0, 0.0], rtol=1e-14)


def test_effective_rank_badly_scaled_matches_svd_formula(xp):
    rng = np.random.default_rng(2)
    h = rng.standard_normal((6, 10)) * np.logspace(-4, 4, 6)[:, None]
    s = svals(h)
    expected = np.sum(s**2) ** 2 / np.sum(s**4)
    assert float(effective_rank(xp.asarray(h))) == pytest.approx(expected, rel=1e-12)


# --- stable_rank -------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 9), n=st.integers(1, 9))
def test_stable_rank_formula_and_bounds(xp, seed, m, n):
    rng = np.random.default_rng(seed)
    a = rng.integers(-2, 3, size=(m, n)).astype(np.float64)
    r = float(stable_rank(xp.asarray(a)))
    rank = exact_rank(a)
    if rank == 0:
        assert r == 0.0
        return
    s = svals(a)
    assert r == pytest.approx(np.sum(s**2) / s[0] ** 2, rel=1e-10)
    assert 1 - 1e-12 <= r <= rank * (1 + 1e-12)
    assert r <= int(matrix_rank(xp.asarray(a))) * (1 + 1e-12)


def test_stable_rank_known_values_and_batches(xp):
    a = np.stack([np.diag([2.0, 1.0, 1.0]), np.zeros((3, 3)), np.eye(3)])
    r = stable_rank(xp.asarray(a))
    assert xp.is_native(r)
    np.testing.assert_allclose(xp.to_numpy(r), [1.5, 0.0, 3.0], rtol=1e-14)
    assert float(stable_rank(xp.asarray(np.zeros((0, 3))))) == 0.0


def test_counting_notions_return_decisions(xp):
    a = xp.asarray(np.diag([3.0, 2.0, 1.0]))
    for d in (
        normalized_rank(a, return_decision=True),
        soft_rank(a, 0.1, return_decision=True),
        matrix_rank(a, return_decision=True),
    ):
        assert isinstance(d, RankDecision)
        assert d.method == "svd"
        assert xp.is_native(d.rank) and xp.is_native(d.margin) and xp.is_native(d.decided)
        assert d.all_decided


def test_numpy_scalar_parameters_are_accepted():
    # Parameters often come out of NumPy computations: np.float32 / np.int64 are real numbers.
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 5))
    assert soft_rank(a, np.float32(0.5)) == soft_rank(a, 0.5)
    assert normalized_rank(a, threshold=np.float64(1e-3)) == normalized_rank(a, threshold=1e-3)
    assert lowrank_distance(a, np.int64(2)) == lowrank_distance(a, 2)
    assert int(khatri_rao_rank(a, a, rtol=np.float32(1e-6))) == int(
        khatri_rao_rank(a, a, rtol=1e-6)
    )
    for bad in (True, np.bool_(True)):
        with pytest.raises(KernelInputError, match="tau"):
            soft_rank(a, bad)
