"""exact_rank: integers, Fractions, floats read exactly, tensors, batches."""

from __future__ import annotations

import re
from fractions import Fraction as F

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankclaims.kernels import KernelInputError, KernelTypeError, exact_rank, matrix_rank

FIXTURE_HEALTH = [HealthCheck.function_scoped_fixture]  # `xp` is stateless


def reference_rank(rows) -> int:
    """Textbook Gaussian elimination over Fractions (no fraction-free tricks)."""
    a = [[F(x) for x in row] for row in rows]
    if not a or not a[0]:
        return 0
    m, n = len(a), len(a[0])
    rank = 0
    for col in range(n):
        pivot = next((i for i in range(rank, m) if a[i][col] != 0), None)
        if pivot is None:
            continue
        a[rank], a[pivot] = a[pivot], a[rank]
        for i in range(m):
            if i != rank and a[i][col] != 0:
                f = a[i][col] / a[rank][col]
                a[i] = [x - f * y for x, y in zip(a[i], a[rank], strict=True)]
        rank += 1
        if rank == m:
            break
    return rank


@st.composite
def integer_matrices(draw, max_dim=7, max_entry=4):
    m = draw(st.integers(1, max_dim))
    n = draw(st.integers(1, max_dim))
    r = draw(st.integers(0, min(m, n)))
    entries = st.integers(-max_entry, max_entry)
    if draw(st.booleans()):  # a product of integer factors: rank <= r, often equal
        left = np.array(
            draw(st.lists(st.lists(entries, min_size=r, max_size=r), min_size=m, max_size=m)),
            dtype=np.int64,
        ).reshape(m, r)
        right = np.array(
            draw(st.lists(st.lists(entries, min_size=n, max_size=n), min_size=r, max_size=r)),
            dtype=np.int64,
        ).reshape(r, n)
        return left @ right
    rows = draw(st.lists(st.lists(entries, min_size=n, max_size=n), min_size=m, max_size=m))
    return np.array(rows, dtype=np.int64)


@settings(max_examples=60, deadline=None)
@given(a=integer_matrices())
def test_integer_matches_reference_elimination(a):
    assert exact_rank(a) == reference_rank(a.tolist())
    assert exact_rank(a.tolist()) == reference_rank(a.tolist())
    assert exact_rank(a.T) == exact_rank(a)


@settings(max_examples=40, deadline=None)
@given(
    a=integer_matrices(max_dim=5, max_entry=6),
    dens=st.lists(st.integers(1, 12), min_size=1, max_size=5),
)
def test_fractions_match_reference(a, dens):
    frac = [
        [F(int(x), dens[(i + j) % len(dens)]) for j, x in enumerate(row)]
        for i, row in enumerate(a.tolist())
    ]
    expected = reference_rank(frac)
    assert exact_rank(frac) == expected  # nested lists
    obj = np.empty(a.shape, dtype=object)
    for i, row in enumerate(frac):
        for j, x in enumerate(row):
            obj[i, j] = x
    assert exact_rank(obj) == expected  # object array


def test_docstring_examples():
    assert exact_rank([[1, 2], [2, 4]]) == 1
    assert exact_rank([[F(1, 3), F(1, 2)], [F(2, 3), 1]]) == 1
    assert exact_rank([[F(1, 3), F(1, 2)], [F(2, 3), F(1, 1) + F(1, 10**30)]]) == 2


def test_returns_python_int_for_one_numpy_matrix():
    r = exact_rank(np.eye(3, dtype=np.int64))
    assert type(r) is int
    assert r == 3


def test_big_integers_beyond_int64():
    big = 2**100
    a = np.array([[big, 1], [2 * big, 2]], dtype=object)
    assert exact_rank(a) == 1
    a[1, 1] = 3
    assert exact_rank(a) == 2


def test_floats_read_exactly_where_float_rank_differs():
    # 1 + 2^-52 is a float: the exact rank is 2, the numerical rank with the default
    # tolerance is 1 (sigma_2 ~ 2^-53 < 4 eps).
    a = np.array([[1.0, 1.0], [1.0, 1.0 + 2.0**-52]])
    assert exact_rank(a) == 2
    d = matrix_rank(a, return_decision=True)
    assert int(d.rank) == 1
    # 0.3 is not 3 * 0.1 in binary: exact rank 2, numerical rank 1
    b = np.array([[0.1, 0.3], [1.0, 3.0]])
    assert exact_rank(b) == 2
    assert int(matrix_rank(b)) == 1
    # whereas scaling by powers of two is exact: 0.2 = 2 * 0.1, 0.4 = 2 * 0.2
    assert exact_rank([[0.1, 0.2], [0.2, 0.4]]) == 1
    # and Fractions of the decimal values give the rank of the decimal matrix
    assert exact_rank([[F("0.1"), F("0.3")], [1, 3]]) == 1


def test_float32_read_exactly():
    a = np.array([[1.0, 1.0], [1.0, 1.0 + 2.0**-23]], dtype=np.float32)
    assert exact_rank(a) == 2
    assert exact_rank(torch.as_tensor(a)) == 2
    assert exact_rank(np.array([[0.5, 0.25], [2.0, 1.0]], dtype=np.float32)) == 1


@pytest.mark.parametrize(
    "dtype", [torch.int64, torch.int32, torch.int8, torch.bool, torch.float64, torch.float32]
)
def test_torch_tensors(dtype):
    a = torch.tensor([[1, 0, 1], [0, 1, 1], [1, 1, 2]]).to(dtype)
    r = exact_rank(a)
    assert isinstance(r, torch.Tensor)
    assert r.dtype == torch.int64
    assert r.device == a.device
    assert int(r) == (2 if dtype != torch.bool else 3)


def test_on_every_backend(xp):
    a = np.array([[[1, 2], [2, 4]], [[1, 0], [0, 1]], [[0, 0], [0, 0]]])
    r = exact_rank(xp.asarray(a))
    assert xp.is_native(r)
    np.testing.assert_array_equal(xp.to_numpy(r), [1, 2, 0])


def test_batches():
    rng = np.random.default_rng(0)
    ranks = rng.integers(0, 4, size=(2, 3))
    a = np.zeros((2, 3, 4, 5), dtype=np.int64)
    for idx in np.ndindex(2, 3):
        r = int(ranks[idx])
        a[idx] = rng.integers(-2, 3, (4, r)) @ rng.integers(-2, 3, (r, 5))
    got = exact_rank(a)
    assert got.shape == (2, 3)
    assert got.dtype == np.int64
    expected = np.array([[reference_rank(a[i, j].tolist()) for j in range(3)] for i in range(2)])
    np.testing.assert_array_equal(got, expected)
    t = exact_rank(torch.as_tensor(a))
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize(
    ("shape", "expected_shape"),
    [((0, 3), ()), ((3, 0), ()), ((0, 0), ()), ((0, 3, 3), (0,)), ((2, 0, 3), (2,))],
)
def test_empty(shape, expected_shape):
    r = exact_rank(np.zeros(shape, dtype=np.int64))
    np.testing.assert_array_equal(np.asarray(r), np.zeros(expected_shape))
    assert np.asarray(r).shape == expected_shape
    rt = exact_rank(torch.zeros(shape))
    assert tuple(rt.shape) == expected_shape


def test_bool_numpy():
    assert exact_rank(np.array([[True, True], [True, True]])) == 1
    assert exact_rank(np.array([[True, False], [False, True]])) == 2


def test_agrees_with_matrix_rank_on_integers_where_decided():
    rng = np.random.default_rng(1)
    agreed = 0
    for _ in range(50):
        m, n = rng.integers(4, 9, size=2)
        r = int(rng.integers(0, min(m, n) + 1))
        a = rng.integers(-3, 4, (m, r)) @ rng.integers(-3, 4, (r, n))
        # a tolerance clear of the error model decides every one of them
        d = matrix_rank(a, rtol=1e-10, return_decision=True)
        assert bool(d.decided)
        assert int(d.rank) == exact_rank(a)
        agreed += 1
        # with NumPy's default threshold, decided ones agree too
        d = matrix_rank(a, return_decision=True)
        if bool(d.decided):
            assert int(d.rank) == exact_rank(a)
    assert agreed == 50


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_floats(bad):
    counts = "1 NaN and 0 infinite" if np.isnan(bad) else "0 NaN and 1 infinite"
    with pytest.raises(KernelInputError, match=counts):
        exact_rank(np.array([[1.0, bad], [0.0, 1.0]]))
    with pytest.raises(KernelInputError, match=counts):
        exact_rank(torch.tensor([[1.0, bad], [0.0, 1.0]]))
    with pytest.raises(KernelInputError, match="non-finite"):
        exact_rank(np.array([[1, bad], [0, 1]], dtype=object))


def test_bad_types():
    with pytest.raises(KernelTypeError, match="complex"):
        exact_rank(np.array([[1 + 1j, 0], [0, 1]]))
    with pytest.raises(KernelTypeError, match="complex"):
        exact_rank(torch.eye(2, dtype=torch.complex64))
    with pytest.raises(KernelTypeError, match="<U1"):
        exact_rank(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(KernelTypeError, match="str"):
        exact_rank(np.array([[1, "b"], [0, 1]], dtype=object))
    with pytest.raises(TypeError):
        exact_rank(np.array([[1, None], [0, 1]], dtype=object))


@pytest.mark.parametrize("a", [[1, 2, 3], 5, np.float64(2.0), np.arange(3)])
def test_too_few_dimensions(a):
    shape = np.shape(a)
    with pytest.raises(
        KernelInputError, match=r"at least two dimensions.*" + re.escape(repr(shape))
    ):
        exact_rank(a)


def test_ragged():
    with pytest.raises(KernelInputError):
        exact_rank([[1, 2], [3]])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_tensors_read_exactly(dtype):
    # 1 + 2^-7 is representable in both: exact rank 2
    a = torch.tensor([[1.0, 1.0], [1.0, 1.0 + 2.0**-7]], dtype=dtype)
    r = exact_rank(a)
    assert isinstance(r, torch.Tensor)
    assert int(r) == 2
    assert int(exact_rank(torch.ones((2, 2), dtype=dtype))) == 1
