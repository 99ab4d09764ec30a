"""The batch-normalised chain of Daneshmand et al. 2020 (generators/_bn_chain.py): the
chain against a naive loop, the BN operator, the weight laws' moments, the strategies'
guarantees and the argument checks."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims import generators as gen
from rankclaims.kernels import matrix_rank, soft_rank

FAST = settings(max_examples=15, deadline=None)


def naive_chain(x, gamma, depth, law, seed, runs, activation="linear", bn=True):
    """The chain one run and one row at a time, with the same weight draws (one
    (runs, d, d) stack per layer from the same Generator)."""
    rng = np.random.default_rng(seed)
    wl = gen.weight_law(law)
    d, n = x.shape
    hs = [x.astype(float).copy() for _ in range(runs)]
    for _ in range(depth):
        w = wl.sample(rng, (runs, d, d))
        for r in range(runs):
            h = hs[r]
            z = w[r] @ h if gamma == math.inf else h + gamma * (w[r] @ h)
            if bn:
                for i in range(d):
                    z[i] = z[i] / math.sqrt(sum(v * v for v in z[i]) / n)
            if activation == "relu":
                z = np.maximum(z, 0.0)
            hs[r] = z
    return np.stack(hs)


@pytest.mark.parametrize("gamma", [0.3, 1.0, math.inf])
@pytest.mark.parametrize(
    ("law", "activation"),
    [
        ("gaussian", "linear"),
        ("uniform", "linear"),
        ("triangular", "linear"),
        ("rademacher", "linear"),
        ("gaussian", "relu"),
        ("uniform", "relu"),
    ],
)
def test_chain_matches_a_naive_loop(gamma, law, activation):
    x = np.random.default_rng(7).standard_normal((4, 6))
    got = gen.bn_chain(x, gamma=gamma, depth=5, law=law, seed=11, runs=3, activation=activation)
    want = naive_chain(x, gamma, 5, law, 11, 3, activation)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_chain_with_atoms_matches_a_naive_loop_and_flags_zero_rows():
    x = np.random.default_rng(7).standard_normal((4, 6))
    got = gen.bn_chain(x, gamma=0.2, depth=5, law="three-point:3", seed=1, runs=3)
    np.testing.assert_allclose(got, naive_chain(x, 0.2, 5, "three-point:3", 1, 3), rtol=1e-10)
    # without the skip connection a row of WH is zero with positive probability (W's row
    # of zeros): BN is undefined there, and the chain says so instead of returning NaN
    with pytest.raises(FloatingPointError):
        gen.bn_chain(x, gamma=math.inf, depth=5, law="three-point:3", seed=1, runs=3)


def test_vanilla_chain_is_the_product_up_to_a_positive_scale():
    x = np.random.default_rng(1).standard_normal((3, 5))
    got = gen.vanilla_chain(x, gamma=0.5, depth=30, seed=2, runs=2)
    rng = np.random.default_rng(2)
    b = np.broadcast_to(np.eye(3), (2, 3, 3)).copy()
    for _ in range(30):
        w = gen.weight_law("gaussian").sample(rng, (2, 3, 3))
        b = (np.eye(3) + 0.5 * w) @ b  # B_ℓ = (I + γW_ℓ)⋯(I + γW_1)
    want = b @ x
    for r in range(2):
        scale = np.linalg.norm(got[r]) / np.linalg.norm(want[r])
        assert scale > 0
        np.testing.assert_allclose(got[r], scale * want[r], rtol=1e-9, atol=1e-12)
        assert 1 <= np.abs(got[r]).max() < 2  # rescaled by a power of two


def test_batch_norm_is_the_papers_operator():
    h = np.random.default_rng(3).standard_normal((2, 4, 7))
    out = gen.batch_norm(h)
    # rows of norm √N: diag M(BN(H)) = 1 (Eq. 8)
    np.testing.assert_allclose(np.diagonal(gen.second_moment(out), axis1=1, axis2=2), 1.0)
    # BN(H) = diag(M(H))^{-1/2} H, no mean correction (α = 0, β = 1)
    m = gen.second_moment(h)
    want = h / np.sqrt(np.diagonal(m, axis1=1, axis2=2))[..., None]
    np.testing.assert_allclose(out, want, rtol=1e-13)
    assert not np.allclose(out.mean(axis=-1), 0)  # the mean is not removed
    # invariant to positive row scalings
    np.testing.assert_allclose(gen.batch_norm(np.array([3.0, 0.5, 2.0, 9.0])[:, None] * h), out)
    with pytest.raises(FloatingPointError, match="zero"):
        gen.batch_norm(np.array([[1.0, 2.0], [0.0, 0.0]]))


def test_chain_states_lie_in_script_h_and_runs_are_independent():
    x = np.random.default_rng(0).standard_normal((3, 5, 5))
    h = gen.bn_chain(x, gamma=0.5, depth=20, seed=4, runs=3)
    np.testing.assert_allclose((h * h).mean(axis=-1), 1.0)
    # each run is the chain of its own input with its own weights: runs differ
    assert not np.allclose(h[0], h[1])
    seen = []
    gen.bn_chain(x, gamma=0.5, depth=3, seed=4, runs=3, observe=lambda layer, s: seen.append(layer))
    assert seen == [1, 2, 3]
    # the same seed reproduces the chain
    np.testing.assert_array_equal(h, gen.bn_chain(x, gamma=0.5, depth=20, seed=4, runs=3))


@pytest.mark.parametrize(
    ("spec", "mean", "var", "bound"),
    [
        ("gaussian", 0.0, 1.0, None),
        ("uniform", 0.0, 1.0, math.sqrt(3)),
        ("triangular", 0.0, 1.0, math.sqrt(6)),
        ("rademacher", 0.0, 1.0, 1.0),
        ("three-point:4", 0.0, 1.0, 4.0),
        ("asymmetric-uniform", 1 / math.sqrt(16), 1 / 48, 2 / math.sqrt(16)),
        ("pytorch-uniform", 0.0, 1 / 48, 1 / math.sqrt(16)),
    ],
)
def test_weight_laws_have_their_moments(spec, mean, var, bound):
    law = gen.weight_law(spec)
    w = law.sample(np.random.default_rng(5), (4000, 16, 16)).ravel()  # fan-in d = 16
    n = w.size
    assert law.mean(16) == pytest.approx(mean)
    assert law.variance(16) == pytest.approx(var)
    assert abs(w.mean() - mean) < 6 * math.sqrt(var / n)
    assert abs(w.var() - var) < 0.02 * var
    if bound is not None:
        assert law.bound(16) == pytest.approx(bound)
        assert np.abs(w).max() <= bound + 1e-12
    if law.symmetric:
        assert abs(np.mean(w**3)) < 6 * math.sqrt(np.mean(w**6) / n)
    assert law.spec == spec and gen.weight_law(law.spec) == law


def test_discrete_laws_atoms_are_exact():
    for spec in ("rademacher", "three-point:9"):
        atoms = gen.weight_law(spec).atoms()
        assert sum(p for _, p in atoms) == 1
        assert sum(v * p for v, p in atoms) == 0
        assert sum(v * v * p for v, p in atoms) == 1
    assert dict(gen.weight_law("three-point:9").atoms())[Fraction(-9)] == Fraction(1, 162)
    assert gen.weight_law("gaussian").atoms() is None
    assert gen.weight_law("uniform").standard and not gen.weight_law("rademacher").standard
    assert not gen.weight_law("asymmetric-uniform").symmetric


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("cauchy", "law="),
        ("three-point", "needs its bound"),
        ("three-point:0.5", "must be >= 1"),
        (3, "must be a string"),
    ],
)
def test_weight_law_validation(spec, match):
    with pytest.raises(InvalidArgument, match=match):
        gen.weight_law(spec)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": np.ones(3)}, "must be \\(d, N\\)"),
        ({"gamma": 0.0}, "gamma"),
        ({"gamma": -1.0}, "gamma"),
        ({"depth": -1}, "depth"),
        ({"activation": "tanh"}, "activation"),
        ({"dtype": np.int64}, "dtype"),
        ({"seed": None}, "exactly one of seed"),
        ({"rng": np.random.default_rng(0)}, "exactly one of seed"),
        ({"runs": 2, "x": np.ones((3, 2, 2))}, "disagrees"),
        ({"x": np.array([[np.nan, 1.0]])}, "NaN"),
        ({"law": "nope"}, "law="),
    ],
)
def test_chain_validation(kwargs, match):
    args = {"x": np.eye(2), "gamma": 0.5, "depth": 2, "seed": 0, **kwargs}
    with pytest.raises(InvalidArgument, match=match):
        gen.bn_chain(**args)


def test_inputs():
    rng = np.random.default_rng(0)
    x = gen.full_rank_inputs(5, 7, rng, runs=3)
    assert x.shape == (3, 5, 7) and np.all(np.asarray(matrix_rank(x)) == 5)
    y = gen.nearly_collinear_inputs(8, 8, 1e-6, rng)
    assert int(soft_rank(gen.batch_norm(y), 0.5)) == 1  # one direction dominates
    assert int(matrix_rank(y)) == 8  # but full rank
    with pytest.raises(InvalidArgument, match="eps"):
        gen.nearly_collinear_inputs(3, 3, -1.0, rng)


@FAST
@given(gen.bn_chain_settings(max_width=6, max_depth=5))
def test_settings_strategy(s):
    assert 2 <= s["d"] <= 6 and s["N"] == s["d"] and 1 <= s["depth"] <= 5
    law = gen.weight_law(s["law"])
    assert law.symmetric and law.has_density  # Def. 1
    h = gen.bn_chain(np.eye(s["d"]), gamma=s["gamma"], depth=s["depth"], law=law, seed=s["seed"])
    assert np.all(np.isfinite(h))


@FAST
@given(
    gen.bn_chain_settings(
        batch="any", gamma=st.just(math.inf), law="three-point:9", activation="relu"
    )
)
def test_settings_strategy_fixed_values(s):
    assert s["gamma"] == math.inf and s["law"] == "three-point:9" and s["activation"] == "relu"
    assert 1 <= s["N"] <= 32


@FAST
@given(gen.bn_states(d=st.integers(1, 5), n=st.integers(1, 6)))
def test_bn_states_are_in_script_h(h):
    np.testing.assert_allclose((h * h).mean(axis=-1), 1.0, rtol=1e-12)


@FAST
@given(st.integers(1, 6).flatmap(lambda d: gen.correlation_matrices(d, equal_row_norms=True)))
def test_equal_row_correlation_matrices(m):
    np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-15)
    np.testing.assert_array_equal(m, m.T)
    assert np.linalg.eigvalsh(m).min() > -1e-12
    rows = (m * m).sum(axis=1)
    np.testing.assert_allclose(rows, rows[0], rtol=1e-13)


@FAST
@given(gen.correlation_matrices(st.integers(1, 6)))
def test_correlation_matrices(m):
    np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-12)
    assert np.linalg.eigvalsh(m).min() > -1e-10


@FAST
@given(gen.weight_laws(symmetric=True, bounded=True, density=True))
def test_weight_laws_strategy_filters(law):
    assert law.symmetric and law.bound() is not None and law.has_density


def test_strategy_validation():
    with pytest.raises(InvalidArgument, match="min_width"):
        gen.bn_chain_settings(min_width=5, max_width=2)
    with pytest.raises(InvalidArgument, match="min_depth"):
        gen.bn_chain_settings(min_depth=5, max_depth=2)
    with pytest.raises(InvalidArgument, match="batch"):
        gen.bn_chain_settings(batch="wide")
    with pytest.raises(InvalidArgument, match="gamma"):
        gen.bn_chain_settings(gamma=0.0)
    with pytest.raises(InvalidArgument, match="no weight law"):
        gen.weight_laws(symmetric=False, bounded=False)
    with pytest.raises(InvalidArgument, match="symmetric"):
        gen.weight_laws(symmetric="yes")
    with pytest.raises(InvalidArgument, match="kinds"):
        gen.correlation_matrices(3, equal_row_norms=True, kinds=("general",))
