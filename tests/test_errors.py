"""Bad inputs raise errors that name the problem; empty matrices have rank 0."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from rankclaims.kernels import (
    KernelInputError,
    KernelTypeError,
    RankUndecidableError,
    effective_rank,
    khatri_rao,
    khatri_rao_rank,
    lowrank_distance,
    matrix_rank,
    normalized_rank,
    singular_values,
    soft_rank,
    stable_rank,
)


def _other(a):
    """A finite second Khatri-Rao factor in ``a``'s library, with ``a``'s column count."""
    shape = (2, a.shape[-1])
    if isinstance(a, torch.Tensor):
        return torch.ones(shape, device=a.device)
    return np.ones(shape)


KERNELS = {
    "singular_values": singular_values,
    "matrix_rank": matrix_rank,
    "normalized_rank": normalized_rank,
    "soft_rank": lambda a: soft_rank(a, 0.5),
    "effective_rank": effective_rank,
    "stable_rank": stable_rank,
    "lowrank_distance": lambda a: lowrank_distance(a, 1),
    "khatri_rao_rank-b": lambda a: khatri_rao_rank(a, _other(a)),
    "khatri_rao_rank-c": lambda a: khatri_rao_rank(_other(a), a),
}
RANK_KERNELS = {
    "matrix_rank": matrix_rank,
    "normalized_rank": normalized_rank,
    "normalized_rank-frobenius": lambda a: normalized_rank(a, normalization="frobenius"),
    "soft_rank": lambda a: soft_rank(a, 0.5),
    "khatri_rao_rank": lambda a: khatri_rao_rank(a, a),
}


def test_error_hierarchy():
    assert issubclass(KernelInputError, ValueError)
    assert issubclass(KernelTypeError, ValueError)
    assert issubclass(KernelTypeError, TypeError)
    assert issubclass(KernelTypeError, KernelInputError)
    assert issubclass(RankUndecidableError, ArithmeticError)
    assert not issubclass(RankUndecidableError, ValueError)


# --- NaN and infinity ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_nan_and_inf_raise(xp, kernel, dtype):
    fn = KERNELS[kernel]
    a = np.ones((2, 3, 4), dtype=dtype)
    a[0, 1, 2] = np.nan
    a[1, 0, 0] = np.nan
    a[1, 2, 3] = np.inf
    a[0, 0, 0] = -np.inf
    if kernel.startswith("khatri"):
        a = a[:, :, 2:]  # no batch broadcasting against the 2-D other factor: (2, 3, 2)
        a[0, 0, 0] = -np.inf
    with pytest.raises(KernelInputError, match=r"NaN") as info:
        fn(xp.asarray(a))
    msg = str(info.value)
    n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    assert f"{n_nan} NaN and {n_inf} infinite" in msg
    assert str(a.shape) in msg
    with pytest.raises(ValueError, match="0 NaN and 1 infinite"):
        fn(xp.asarray(np.array([[1.0, np.inf]], dtype=dtype)))


def test_khatri_rao_rank_nan_on_every_backend(xp):
    b = np.ones((2, 3))
    c = np.ones((2, 3))
    c[1, 1] = np.nan
    with pytest.raises(KernelInputError, match=r"c \(shape \(2, 3\).*1 NaN and 0 infinite"):
        khatri_rao_rank(xp.asarray(b), xp.asarray(c))


# --- too few dimensions --------------------------------------------------------------------


@pytest.mark.parametrize("kernel", sorted(KERNELS))
@pytest.mark.parametrize("value", [np.arange(3.0), np.float64(2.0), np.array(1.5), [1.0, 2.0]])
def test_fewer_than_two_dimensions(xp, kernel, value):
    fn = KERNELS[kernel]
    shape = np.shape(value)
    x = xp.asarray(value)
    if kernel.startswith("khatri"):  # the other factor cannot take its column count from x
        other = xp.asarray(np.ones((2, 3)))
        fn = {
            "khatri_rao_rank-b": lambda a: khatri_rao_rank(a, other),
            "khatri_rao_rank-c": lambda a: khatri_rao_rank(other, a),
        }[kernel]
    with pytest.raises(KernelInputError, match=r"two dimensions.*" + re.escape(str(shape))):
        fn(x)


def test_scalar_python_float(xp):
    with pytest.raises(KernelInputError, match=re.escape("()")):
        matrix_rank(3.0)


def test_khatri_rao_one_dimensional(xp):
    with pytest.raises(KernelInputError, match=re.escape("(3,)")):
        khatri_rao(xp.asarray(np.ones(3)), xp.asarray(np.ones((2, 3))))


# --- Khatri-Rao shapes ---------------------------------------------------------------------


@pytest.mark.parametrize("fn", [khatri_rao, khatri_rao_rank])
def test_khatri_rao_mismatched_columns_names_both_shapes(xp, fn):
    with pytest.raises(KernelInputError) as info:
        fn(xp.asarray(np.ones((2, 3))), xp.asarray(np.ones((4, 5))))
    msg = str(info.value)
    assert "(2, 3)" in msg and "(4, 5)" in msg
    assert "columns" in msg


@pytest.mark.parametrize("fn", [khatri_rao, khatri_rao_rank])
def test_khatri_rao_batch_shapes_not_broadcasting(xp, fn):
    with pytest.raises(KernelInputError, match=r"\(2,\).*\(3,\)"):
        fn(xp.asarray(np.ones((2, 2, 3))), xp.asarray(np.ones((3, 4, 3))))


# --- mixed libraries, devices ---------------------------------------------------------------


@pytest.mark.parametrize("fn", [khatri_rao, khatri_rao_rank])
@pytest.mark.parametrize("order", ["numpy-torch", "torch-numpy", "list-torch"])
def test_mixed_numpy_and_torch(fn, order):
    n, t = np.ones((2, 3)), torch.ones((2, 3))
    args = {"numpy-torch": (n, t), "torch-numpy": (t, n), "list-torch": (n.tolist(), t)}[order]
    with pytest.raises(TypeError, match="mixed NumPy and PyTorch"):
        fn(*args)
    with pytest.raises(ValueError, match="mixed NumPy and PyTorch"):
        fn(*args)
    with pytest.raises(KernelTypeError) as info:
        fn(*args)
    assert "torch.Tensor(shape=(2, 3)" in str(info.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
@pytest.mark.parametrize("fn", [khatri_rao, khatri_rao_rank])
def test_tensors_on_two_devices(fn):
    with pytest.raises(KernelTypeError, match="devices"):
        fn(torch.ones((2, 3)), torch.ones((2, 3), device="cuda"))


# --- dtypes -------------------------------------------------------------------------------


NUMPY_BAD = [np.float16, np.complex64, np.complex128, object, np.str_, np.bytes_, "datetime64[s]"]


@pytest.mark.parametrize("kernel", [*sorted(KERNELS), "khatri_rao"])
@pytest.mark.parametrize("dtype", NUMPY_BAD, ids=str)
def test_numpy_bad_dtypes(kernel, dtype):
    fn = KERNELS.get(kernel, lambda a: khatri_rao(a, np.ones((2, a.shape[-1]))))
    a = np.ones((3, 3)).astype(dtype)
    with pytest.raises(KernelTypeError) as info:
        fn(a)
    assert str(a.dtype) in str(info.value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_object_array_hints_exact_rank():
    from fractions import Fraction

    a = np.array([[Fraction(1, 2), 1], [1, 2]], dtype=object)
    with pytest.raises(KernelTypeError, match="exact_rank"):
        matrix_rank(a)


TORCH_BAD = [torch.float16, torch.bfloat16, torch.complex64, torch.complex128]


@pytest.mark.parametrize("kernel", [*sorted(KERNELS), "khatri_rao"])
@pytest.mark.parametrize("dtype", TORCH_BAD, ids=str)
def test_torch_bad_dtypes(kernel, dtype):
    a = torch.ones((3, 3), dtype=dtype)
    if kernel.startswith("khatri"):
        fn = khatri_rao if kernel == "khatri_rao" else khatri_rao_rank
        calls = [lambda: fn(a, torch.ones((2, 3))), lambda: fn(torch.ones((2, 3)), a)]
    else:
        calls = [lambda: KERNELS[kernel](a)]
    for call in calls:
        with pytest.raises(KernelTypeError) as info:
            call()
        assert str(dtype).replace("torch.", "") in str(info.value)


def test_ragged_lists():
    with pytest.raises(KernelInputError, match="cannot be read"):
        matrix_rank([[1.0, 2.0], [3.0]])


# --- bad parameters --------------------------------------------------------------------------


BAD_TOLERANCES = [-1.0, -1e-300, float("nan"), float("inf"), -float("inf")]


@pytest.mark.parametrize("value", BAD_TOLERANCES)
@pytest.mark.parametrize("name", ["atol", "rtol"])
def test_bad_atol_rtol(xp, name, value):
    a = xp.asarray(np.eye(3))
    with pytest.raises(KernelInputError, match=name):
        matrix_rank(a, **{name: value})
    with pytest.raises(KernelInputError, match=name):
        khatri_rao_rank(a, a, **{name: value})


def test_bad_batched_atol(xp):
    a = xp.asarray(np.stack([np.eye(3)] * 2))
    with pytest.raises(KernelInputError, match="atol"):
        matrix_rank(a, atol=xp.asarray(np.array([0.1, -0.1])))
    with pytest.raises(KernelInputError, match="rtol"):
        matrix_rank(a, rtol=xp.asarray(np.array([0.1, np.nan])))


@pytest.mark.parametrize("tau", [-0.5, float("nan"), float("inf"), "0.5", None])
def test_bad_tau(xp, tau):
    with pytest.raises(KernelInputError, match="tau"):
        soft_rank(xp.asarray(np.eye(3)), tau)


@pytest.mark.parametrize("threshold", [-1e-4, float("nan"), float("inf"), "1e-4", None])
def test_bad_normalized_threshold(xp, threshold):
    with pytest.raises(KernelInputError, match="threshold"):
        normalized_rank(xp.asarray(np.eye(3)), threshold=threshold)


@pytest.mark.parametrize("normalization", ["nuclear", "Spectral", "fro", "", None, 2])
def test_unknown_normalization(xp, normalization):
    with pytest.raises(KernelInputError, match="normalization"):
        normalized_rank(xp.asarray(np.eye(3)), normalization=normalization)


@pytest.mark.parametrize("k", [-1, -10, 0.5, float("nan"), None])
def test_bad_k(xp, k):
    with pytest.raises(KernelInputError, match="k must be"):
        lowrank_distance(xp.asarray(np.eye(3)), k)


@pytest.mark.parametrize("norm", ["max", "inf", 1, "Fro", None, 2.0, "nucl"])
def test_unknown_norm(xp, norm):
    with pytest.raises(KernelInputError, match="norm must be"):
        lowrank_distance(xp.asarray(np.eye(3)), 1, norm)


# --- empty matrices ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (0, 3, 3), (2, 0, 5), (2, 3, 4, 0)])
@pytest.mark.parametrize("kernel", sorted(RANK_KERNELS))
def test_empty_matrices_have_rank_zero(xp, kernel, shape):
    out = RANK_KERNELS[kernel](xp.asarray(np.zeros(shape)))
    assert xp.is_native(out)
    np.testing.assert_array_equal(xp.to_numpy(out), np.zeros(shape[:-2], dtype=np.int64))
