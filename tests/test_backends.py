"""Every kernel on every backend: NumPy in gives NumPy out, tensors give tensors on their device;
float32 and float64 kept, integers and booleans promoted to float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rankclaims.kernels import (
    RankDecision,
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

# kernel name -> (function of one array, kind of result)
KERNELS = {
    "singular_values": (singular_values, "float"),
    "matrix_rank": (matrix_rank, "rank"),
    "normalized_rank": (normalized_rank, "rank"),
    "normalized_rank-frobenius": (lambda a: normalized_rank(a, normalization="frobenius"), "rank"),
    "soft_rank": (lambda a: soft_rank(a, 0.5), "rank"),
    "effective_rank": (effective_rank, "float"),
    "stable_rank": (stable_rank, "float"),
    "lowrank_distance": (lambda a: lowrank_distance(a, 1), "float"),
    "lowrank_distance-spectral": (lambda a: lowrank_distance(a, 1, "spectral"), "float"),
    "lowrank_distance-nuclear": (lambda a: lowrank_distance(a, 1, "nuclear"), "float"),
    "khatri_rao_rank": (lambda a: khatri_rao_rank(a, a), "rank"),
    "khatri_rao_rank-wide": (lambda a: khatri_rao_rank(a[..., :1, :], a[..., :2, :]), "rank"),
}
DECISIONS = {
    "matrix_rank": lambda a: matrix_rank(a, return_decision=True),
    "normalized_rank": lambda a: normalized_rank(a, return_decision=True),
    "soft_rank": lambda a: soft_rank(a, 0.5, return_decision=True),
    "khatri_rao_rank": lambda a: khatri_rao_rank(a, a, return_decision=True),
}
DTYPES = {
    "float64": (np.float64, np.float64),
    "float32": (np.float32, np.float32),
    "int64": (np.int64, np.float64),
    "int32": (np.int32, np.float64),
    "uint8": (np.uint8, np.float64),
    "int8": (np.int8, np.float64),
    "bool": (np.bool_, np.float64),
}


def sample(dtype, shape=(5, 4)):
    rng = np.random.default_rng(0)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 5, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype_name", sorted(DTYPES))
@pytest.mark.parametrize("kernel", sorted(KERNELS))
@pytest.mark.parametrize("shape", [(5, 4), (3, 2, 5, 4)])
def test_library_device_and_dtype(xp, kernel, dtype_name, shape):
    fn, kind = KERNELS[kernel]
    dtype, computed = DTYPES[dtype_name]
    a = sample(dtype, shape)
    x = xp.asarray(a)
    out = fn(x)
    assert xp.is_native(out), type(out)
    if xp.name != "numpy":
        assert out.device == x.device
    out_np = xp.to_numpy(out)
    expected_dtype = np.int64 if kind == "rank" else computed
    assert out_np.dtype == expected_dtype
    batch = shape[:-2]
    expected_shape = (*batch, min(shape[-2:])) if kernel == "singular_values" else batch
    assert out_np.shape == expected_shape
    # the same answer from the other library
    other = torch.as_tensor(a) if xp.name == "numpy" else a
    np.testing.assert_allclose(out_np, np.asarray(xp.to_numpy(fn(other))), rtol=1e-5)
    if xp.name != "numpy" and dtype != np.float32:
        # an integer / float64 tensor is decided in float64: same as the NumPy float64 answer
        ref = fn(a.astype(np.float64))
        np.testing.assert_allclose(out_np, np.asarray(ref), rtol=1e-12)


@pytest.mark.parametrize("dtype_name", ["float64", "float32", "int64", "bool"])
@pytest.mark.parametrize("kernel", sorted(DECISIONS))
def test_decision_fields_native(xp, kernel, dtype_name):
    dtype, computed = DTYPES[dtype_name]
    x = xp.asarray(sample(dtype, (2, 5, 4)))
    d = DECISIONS[kernel](x)
    assert isinstance(d, RankDecision)
    for name in ("rank", "margin", "decided", "threshold", "error"):
        field = getattr(d, name)
        assert xp.is_native(field), name
        assert tuple(field.shape) == (2,), name
        if xp.name != "numpy":
            assert field.device == x.device
    assert xp.to_numpy(d.rank).dtype == np.int64
    assert xp.to_numpy(d.decided).dtype == np.bool_
    assert xp.to_numpy(d.margin).dtype == computed
    assert xp.to_numpy(d.threshold).dtype == computed


def test_numpy_scalar_for_one_numpy_matrix():
    a = np.eye(3)
    for fn, _ in KERNELS.values():
        out = fn(a)
        if fn is singular_values:
            continue
        assert isinstance(out, np.generic), type(out)
    assert isinstance(exact_rank(a), int)


def test_zero_dim_tensor_for_one_tensor():
    t = torch.eye(3)
    for fn, _ in KERNELS.values():
        out = fn(t)
        assert isinstance(out, torch.Tensor)
        if fn is not singular_values:
            assert out.ndim == 0


@pytest.mark.parametrize("dtype_name", sorted(DTYPES))
def test_khatri_rao_keeps_dtype(xp, dtype_name):
    dtype, _ = DTYPES[dtype_name]
    a = sample(dtype, (3, 4))
    out = khatri_rao(xp.asarray(a), xp.asarray(a))
    assert xp.is_native(out)
    assert xp.to_numpy(out).dtype == dtype


def test_float32_decided_in_float32(xp):
    # sigma_2 = 1e-9: above float64's default threshold, below float32's
    a = np.diag([1.0, 1e-9, 0.0])
    assert int(matrix_rank(xp.asarray(a))) == 2
    assert int(matrix_rank(xp.asarray(a.astype(np.float32)))) == 1
    d = matrix_rank(xp.asarray(a.astype(np.float32)), return_decision=True)
    assert float(d.threshold) == pytest.approx(3 * float(np.finfo(np.float32).eps), rel=1e-6)
    assert int(khatri_rao_rank(xp.asarray(np.eye(3)), xp.asarray(a))) == 2
    assert (
        int(
            khatri_rao_rank(
                xp.asarray(np.eye(3, dtype=np.float32)), xp.asarray(a.astype(np.float32))
            )
        )
        == 1
    )


@pytest.mark.parametrize("kernel", sorted(KERNELS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_input_not_modified(xp, kernel, dtype):
    fn, _ = KERNELS[kernel]
    a = sample(dtype, (2, 6, 4))
    x = xp.asarray(a.copy())
    fn(x)
    np.testing.assert_array_equal(xp.to_numpy(x), a)
    t = x.transpose(-1, -2) if xp.name != "numpy" else x.swapaxes(-1, -2)  # non-contiguous
    fn(t)
    np.testing.assert_array_equal(xp.to_numpy(x), a)
