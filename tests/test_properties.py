"""Hypothesis properties: rank inequalities with exact ground truth, generic Khatri-Rao rank."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rankclaims.kernels import exact_rank, khatri_rao, khatri_rao_rank, matrix_rank

FIXTURE_HEALTH = [HealthCheck.function_scoped_fixture]  # `xp` is stateless


@st.composite
def small_int_matrix(draw, m, n):
    """Entries in [-3, 3]; half the time a product of integer factors (often rank-deficient)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        r = draw(st.integers(0, min(m, n)))
        return rng.integers(-2, 3, (m, r)) @ rng.integers(-2, 3, (r, n))
    a = rng.integers(-3, 4, (m, n))
    if draw(st.booleans()):  # sparse: zero rows and columns
        a = a * (rng.random((m, n)) < 0.4)
    return a


@st.composite
def product_pair(draw):
    m, n, p = (draw(st.integers(1, 7)) for _ in range(3))
    return draw(small_int_matrix(m, n)), draw(small_int_matrix(n, p))


def check_numerical_against_exact(xp, a, exact: int) -> bool:
    """matrix_rank equals exact_rank wherever it says decided; returns whether it did."""
    d = matrix_rank(xp.asarray(a), return_decision=True)
    if bool(d.decided):
        assert int(d.rank) == exact, (a.tolist(), float(d.margin))
        return True
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(pair=product_pair())
def test_sylvester_and_product_rank(xp, pair):
    a, b = pair
    n = a.shape[1]
    ab = a @ b
    ra, rb, rab = exact_rank(a), exact_rank(b), exact_rank(ab)
    assert ra + rb - n <= rab  # Sylvester
    assert rab <= min(ra, rb)
    # the numerical ranks, where decided, are the exact ones, and the inequalities hold for them
    for mat, exact in ((a, ra), (b, rb), (ab, rab)):
        check_numerical_against_exact(xp, mat, exact)
        check_numerical_against_exact(xp, mat.astype(np.float32), exact)


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(
    m=st.integers(1, 10),
    n=st.integers(1, 10),
    data=st.data(),
)
def test_matrix_rank_is_exact_rank_on_integers_when_decided(xp, m, n, data):
    a = data.draw(small_int_matrix(m, n))
    exact = exact_rank(a)
    check_numerical_against_exact(xp, a, exact)
    batch = np.stack([a, a.T @ a if m == n else a, np.zeros_like(a)])
    d = matrix_rank(xp.asarray(batch), return_decision=True)
    exacts = exact_rank(batch)
    ranks, dec = xp.to_numpy(d.rank), xp.to_numpy(d.decided)
    np.testing.assert_array_equal(ranks[dec], exacts[dec])
    assert dec[2] and ranks[2] == 0


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(
    seed=st.integers(0, 2**32 - 1),
    db=st.integers(1, 6),
    dc=st.integers(1, 6),
    frac=st.floats(0.05, 1.0),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_generic_khatri_rao_has_full_column_rank(xp, seed, db, dc, frac, dtype):
    n = max(1, round(frac * db * dc))
    assume(n <= db * dc)
    rng = np.random.default_rng(seed)
    b = rng.standard_normal((db, n)).astype(dtype)
    c = rng.standard_normal((dc, n)).astype(dtype)
    r = khatri_rao_rank(xp.asarray(b), xp.asarray(c))
    assert int(r) == n
    d = khatri_rao_rank(xp.asarray(b), xp.asarray(c), return_decision=True)
    assert int(d.rank) == n
    formed = matrix_rank(khatri_rao(xp.asarray(b), xp.asarray(c)), return_decision=True)
    assert int(formed.rank) == n


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_HEALTH)
@given(
    seed=st.integers(0, 2**32 - 1),
    db=st.integers(1, 5),
    dc=st.integers(1, 5),
    n=st.integers(1, 14),
)
def test_khatri_rao_rank_of_integer_factors_is_exact_when_decided(xp, seed, db, dc, n):
    rng = np.random.default_rng(seed)
    rb, rc = int(rng.integers(1, db + 1)), int(rng.integers(1, dc + 1))
    b = rng.integers(-2, 3, (db, rb)) @ rng.integers(-2, 3, (rb, n))
    c = rng.integers(-2, 3, (dc, rc)) @ rng.integers(-2, 3, (rc, n))
    exact = exact_rank(khatri_rao(b, c))
    d = khatri_rao_rank(xp.asarray(b), xp.asarray(c), return_decision=True)
    if bool(d.decided):
        assert int(d.rank) == exact
    formed = matrix_rank(khatri_rao(xp.asarray(b), xp.asarray(c)), return_decision=True)
    if bool(formed.decided):
        assert int(formed.rank) == exact
    if bool(d.decided) or bool(formed.decided):
        assert int(khatri_rao_rank(xp.asarray(b), xp.asarray(c))) == exact
