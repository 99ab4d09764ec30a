"""Hypothesis fuzzing of every public kernel (issue 7): no crash, no hang, NumPy's answers.

Every function of ``rankclaims.kernels.__all__`` is driven with drawn inputs:

- dtypes: float64, float32, float16, bfloat16 (PyTorch), long double, complex64/128, every
  signed and unsigned integer width, bool, object arrays of ``Fraction``, strings, datetimes,
  byte-swapped (big-endian) floats and integers;
- shapes with zero- and one-sized dimensions, leading batch dimensions (zero-sized batches
  too), and arrays with fewer than two dimensions;
- layouts: C and Fortran order, transposed views, negative-step and step slices (over storage
  whose gaps hold NaN, so a kernel reading the gaps is caught), zero-stride broadcasts,
  read-only arrays, nested lists, permuted and expanded PyTorch tensors;
- values: Gaussian, low-rank, small-integer, duplicated-column and graded matrices, scaled by
  ``2**k`` for ``k`` across the whole exponent range (so overflowing to inf and underflowing
  to subnormals and zero), with NaN, +-inf, the largest float, the smallest normal and
  subnormal numbers and -0.0 planted at random;
- NumPy arrays, nested lists, PyTorch CPU tensors (CUDA tensors when CUDA is available: the
  ``xp`` fixture skips that backend otherwise);
- mismatched arguments: NumPy mixed with PyTorch, Khatri-Rao factors with different column
  counts or batch shapes that do not broadcast, tolerances that are negative, NaN, infinite,
  strings, booleans, complex or of a shape that does not broadcast to the batch, ``k`` out of
  range, unknown norms and normalizations.

Properties: (1) every call returns or raises a documented error (``KernelInputError``,
``KernelTypeError``, ``RankUndecidableError``) of the expected kind whose message names the
problem; any other exception fails the test. (2) No hang: each example has a deadline of 5 s
and shapes are capped per profile. (3) On finite input the results are NumPy's:
``singular_values`` within ``2 p eps sigma_1`` (``p = 2 sqrt(max(m, n)) + 2``, the kernels'
error model, for the kernel's error and the reference's) plus a few subnormal units;
every counting rank, wherever its decision says ``decided`` and NumPy's count is robust (no
reference value within ``4 p eps64 sigma_1`` of the threshold), equals the count of NumPy's
singular values above the same threshold; ``matrix_rank`` decided equals ``exact_rank`` on
small integer matrices; ``khatri_rao`` equals a column-by-column ``np.kron``;
``khatri_rao_rank`` decided equals the rank of the formed product; ``stable_rank``,
``effective_rank``, ``lowrank_distance`` equal their definitions computed from NumPy's singular
values; ``exact_rank`` equals a plain Gaussian elimination over ``Fraction``. Results are in
the input's library, device and documented dtype; a batch gives the per-matrix results; a
non-contiguous view gives its contiguous copy's results. References are computed on the input
rescaled by an exact power of two, so that they do not overflow where the kernel must not.

Size: ``$RANKCLAIMS_PROFILE`` scales the search. ``quick`` (the default, CI) keeps the file
under about a minute on a 2-core machine; ``default`` draws 5x the examples; ``thorough``
draws 50x, with matrices up to 12 x 12 and batches up to 4 per dimension::

    RANKCLAIMS_PROFILE=thorough pytest tests/test_fuzz_kernels.py

The searches are derandomized by conftest's "repeatable" profile (the same examples every
run); ``--hypothesis-profile explore`` searches afresh.
"""

from __future__ import annotations

import math
import os
from datetime import timedelta
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from rankclaims.kernels import (
    KernelInputError,
    KernelTypeError,
    RankUndecidableError,
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
    sv_error,
)

# profile -> (examples factor, largest matrix side, largest batch dimension)
PROFILES = {"quick": (1, 4, 3), "default": (5, 6, 3), "thorough": (50, 12, 4)}
PROFILE = os.environ.get("RANKCLAIMS_PROFILE", "quick")
if PROFILE not in PROFILES:
    raise ValueError(f"RANKCLAIMS_PROFILE must be one of {sorted(PROFILES)}; got {PROFILE!r}")
FACTOR, MAX_SIDE, MAX_BATCH = PROFILES[PROFILE]

DOCUMENTED = (KernelInputError, KernelTypeError, RankUndecidableError)


def fuzz(examples: int):
    """Settings of one fuzz test: ``examples`` at the quick profile, scaled by the profile."""
    return settings(
        max_examples=examples * FACTOR,
        deadline=timedelta(seconds=5),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # `xp` is stateless
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# --- dtypes --------------------------------------------------------------------------------

NUMPY_DTYPES = [
    "float64",
    "float32",
    "float16",
    "longdouble",
    "complex64",
    "complex128",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "object",
    "str",
    "datetime64[s]",
    ">f8",
    ">f4",
    ">i4",
]
TORCH_DTYPES = [
    "float64",
    "float32",
    "float16",
    "bfloat16",
    "complex64",
    "complex128",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
]
COMMON = ["float64", "float32", "float64", "float32", "int64", "int8", "uint8", "bool"]


def precision(label: str) -> str | None:
    """The dtype a rank kernel computes in ('float32', 'float64'), or None if refused."""
    if label in ("float32", ">f4"):
        return "float32"
    if label in ("float64", ">f8") or label.startswith(("int", "uint", ">i")) or label == "bool":
        return "float64"
    return None


def is_float(label: str) -> bool:
    return label in ("float64", "float32", "float16", "bfloat16", "longdouble", ">f8", ">f4")


def exact_ok(label: str) -> bool:
    """Whether ``exact_rank`` takes the dtype."""
    return label not in ("complex64", "complex128", "str", "datetime64[s]")


EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}
FMAX = {"float32": float(np.finfo(np.float32).max), "float64": float(np.finfo(np.float64).max)}
TINY = {
    "float32": float(np.finfo(np.float32).smallest_subnormal),
    "float64": float(np.finfo(np.float64).smallest_subnormal),
}


def p_factor(m: int, n: int) -> float:
    """The kernels' error model ``p(m, n) = 2 sqrt(max(m, n)) + 2`` (README)."""
    return 2.0 * math.sqrt(max(m, n)) + 2.0


# --- drawn inputs ----------------------------------------------------------------------------


class Drawn:
    """A drawn input: ``x`` (what the kernel gets), its contiguous copy, and its values.

    ``ref`` holds the values as float64 (NumPy; ``None`` for dtypes without one), ``frac`` as
    Fractions for ``exact_rank`` (object arrays), ``finite`` whether every value is finite.
    """

    def __init__(self, x, contiguous, label, layout, values):
        self.x, self.contiguous, self.label, self.layout = x, contiguous, label, layout
        self.values = values  # NumPy array of the values (object for Fractions)
        arr = values
        self.shape = tuple(arr.shape)
        self.ndim = arr.ndim
        self.lib = "torch" if isinstance(x, torch.Tensor) else "numpy"
        if self.label in ("complex64", "complex128", "str", "datetime64[s]"):
            self.ref, self.finite = None, True
        elif self.label == "object":
            self.ref = None
            self.finite = all(
                not isinstance(v, float) or math.isfinite(v) for v in arr.ravel().tolist()
            )
        else:
            with np.errstate(all="ignore"):
                self.ref = arr.astype(np.float64) if arr.dtype != np.longdouble else None
            self.finite = bool(np.all(np.isfinite(arr))) if is_float(label) else True

    def __repr__(self) -> str:
        return f"Drawn({self.label}, {self.layout}, shape={self.shape}, {self.x!r})"


def _content(draw, rng, shape, label):
    """float64 values (or integers / Fractions) of the given shape."""
    m, n = (shape[-2], shape[-1]) if len(shape) >= 2 else (1, shape[-1] if shape else 1)
    kind = draw(
        st.sampled_from(["normal", "lowrank", "int", "intlowrank", "zeros", "dup", "graded"])
    )
    size = shape
    if kind == "normal":
        v = rng.standard_normal(size)
    elif kind == "lowrank" and len(shape) >= 2:
        r = int(rng.integers(0, min(m, n) + 1))
        v = rng.standard_normal((*shape[:-1], r)) @ rng.standard_normal((*shape[:-2], r, n))
    elif kind == "intlowrank" and len(shape) >= 2:
        r = int(rng.integers(0, min(m, n) + 1))
        v = (
            rng.integers(-2, 3, (*shape[:-1], r)) @ rng.integers(-2, 3, (*shape[:-2], r, n))
        ).astype(np.float64)
    elif kind == "zeros":
        v = np.zeros(size)
    elif kind == "dup" and len(shape) >= 2 and n:
        v = rng.standard_normal((*shape[:-1], 1)) * np.ones(n)
        v[..., : (n + 1) // 2] = rng.standard_normal((*shape[:-1], (n + 1) // 2))
    elif kind == "graded" and len(shape) >= 2:
        g = draw(st.integers(1, 60))
        v = rng.standard_normal(size) * np.ldexp(1.0, -g * np.arange(n))
    else:
        v = rng.integers(-3, 4, size).astype(np.float64)
    if is_float(label) or label in ("complex64", "complex128"):
        k = draw(
            st.one_of(st.just(0), st.integers(-8, 8), st.integers(-1100, 1100)),
            label="scale exponent",
        )
        with np.errstate(all="ignore"):
            v = np.ldexp(v, k)
    return np.array(v)


def _plant_specials(draw, rng, v, label):
    if not v.size or draw(st.integers(0, 4)) != 0:
        return v
    if is_float(label):
        fi = np.finfo(np.float32 if label in ("float32", ">f4", "float16", "bfloat16") else v.dtype)
        choices = [np.nan, np.inf, -np.inf, fi.max, -fi.max, fi.tiny, fi.smallest_subnormal, -0.0]
    elif label.startswith(("int", "uint", ">i")):
        ii = np.iinfo(np.dtype(label.lstrip(">")) if label != ">i4" else np.int32)
        choices = [ii.min, ii.max]
    else:
        return v
    v = v.astype(np.float64).copy() if is_float(label) else v.astype(object).copy()
    for _ in range(draw(st.integers(1, 3))):
        idx = tuple(int(rng.integers(0, s)) for s in v.shape)
        v[idx] = draw(st.sampled_from(choices), label="special value")
    return v


def _numpy_values(v, label, rng):
    """Cast drawn float64 (or object) values to the NumPy dtype ``label``."""
    with np.errstate(all="ignore"):
        if label == "object":
            return np.vectorize(
                lambda x: Fraction(round(x), int(rng.integers(1, 4))), otypes=[object]
            )(np.asarray(v, dtype=np.float64))
        if label == "str":
            return np.asarray(v, dtype=np.float64).astype(str)
        if label == "datetime64[s]":
            return np.asarray(v, dtype=np.float64).astype(np.int64).astype("datetime64[s]")
        if label == "bool":
            return np.asarray(v, dtype=np.float64) > 0
        if label in ("complex64", "complex128"):
            return (np.asarray(v, dtype=np.float64) * (1 + 0.5j)).astype(label)
        if label.startswith(("int", "uint", ">i")):
            dt = np.dtype(label)
            ii = np.iinfo(dt)
            if v.dtype == object:  # planted extremes
                out = np.empty(v.shape, dtype=dt)
                for idx in np.ndindex(v.shape):
                    out[idx] = (
                        int(np.clip(float(v[idx]), ii.min, ii.max))
                        if not isinstance(v[idx], int)
                        else v[idx]
                    )
                return out
            return np.clip(np.asarray(v, dtype=np.float64), ii.min, ii.max).astype(dt)
        return np.asarray(v, dtype=np.float64).astype(label)


@st.composite
def shapes(draw, *, min_ndim=2, max_side=None):
    max_side = MAX_SIDE if max_side is None else max_side
    if min_ndim < 2 or draw(st.integers(0, 19)) == 0:  # occasionally fewer than two dims
        return tuple(draw(st.lists(st.integers(0, 3), max_size=1)))
    batch = tuple(draw(st.lists(st.integers(0, MAX_BATCH), max_size=2), label="batch"))
    m = draw(st.integers(0, max_side), label="m")
    n = draw(st.integers(0, max_side), label="n")
    return (*batch, m, n)


@st.composite
def arrays(draw, backend, *, shape=None, dtypes=None, layouts=True):
    """A drawn input on ``backend`` (the conftest ``xp`` fixture's Backend)."""
    torch_lib = backend.name != "numpy"
    pool = dtypes or (TORCH_DTYPES if torch_lib else NUMPY_DTYPES)
    common = [d for d in COMMON if d in pool] or pool
    label = draw(
        st.one_of(st.sampled_from(common), st.sampled_from(pool))
        if dtypes is None
        else st.sampled_from(pool),
        label="dtype",
    )
    if shape is None:
        shape = draw(shapes())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    v = _content(draw, rng, shape, label)
    v = _plant_specials(draw, rng, v, label)
    if torch_lib:
        return _torch_input(draw, backend, v, label, shape, layouts)
    return _numpy_input(draw, v, label, shape, rng, layouts)


def _numpy_input(draw, v, label, shape, rng, layouts):
    vals = _numpy_values(v, label, rng)
    options = ["C"]
    if layouts and len(shape) >= 2:
        options += ["F", "T", "neg", "step", "readonly"]
        if len(shape) > 2:
            options.append("bcast")
        if label in ("float64", "int64", "bool", "object") and all(shape):
            options.append("list")  # (a zero dimension would change the list's shape)
    layout = draw(st.sampled_from(options), label="layout")
    if layout == "bcast":
        vals = np.broadcast_to(vals[(0,) * (len(shape) - 2)] if vals.size else vals, shape)
    x = vals
    if layout == "F":
        x = np.asfortranarray(vals)
    elif layout == "T":
        x = np.ascontiguousarray(np.swapaxes(vals, -1, -2)).swapaxes(-1, -2)
    elif layout == "neg":
        x = np.ascontiguousarray(vals[..., ::-1, ::-1])[..., ::-1, ::-1]
    elif layout == "step":
        gap = np.nan if is_float(label) and label != "longdouble" else 7
        store = np.full((*shape[:-2], 2 * shape[-2], 2 * shape[-1]), gap, dtype=vals.dtype)
        store[..., ::2, ::2] = vals
        x = store[..., ::2, ::2]
    elif layout == "readonly":
        x = vals.copy()
        x.flags.writeable = False
    elif layout == "list":
        x = vals.tolist()
    contiguous = np.ascontiguousarray(np.asarray(x)) if layout != "list" else x
    values = np.asarray(x)
    label_eff = str(values.dtype) if layout == "list" else label
    return Drawn(x, contiguous, label_eff, layout, values)


def _torch_input(draw, backend, v, label, shape, layouts):
    dev = backend.device
    with np.errstate(all="ignore"):
        if label == "bfloat16":
            t = torch.from_numpy(np.asarray(v, dtype=np.float32)).to(torch.bfloat16)
        elif label in ("complex64", "complex128"):
            t = torch.from_numpy(np.asarray(_numpy_values(v, label, None)))
        else:
            t = torch.from_numpy(np.array(_numpy_values(v, label, None)))
    t = t.to(dev)
    options = ["C"]
    if layouts and len(shape) >= 2:
        options += ["T", "step"]
        if len(shape) > 2:
            options.append("expand")
        if len(shape) > 3:
            options.append("permute")
    layout = draw(st.sampled_from(options), label="layout")
    if layout == "expand":
        t = t[(0,) * (len(shape) - 2)].expand(shape) if t.numel() else t
    x = t
    if layout == "T":
        x = t.mT.contiguous().mT
    elif layout == "step":
        store = torch.zeros((*shape[:-2], 2 * shape[-2], 2 * shape[-1]), dtype=t.dtype, device=dev)
        if t.is_floating_point():
            store.fill_(float("nan"))
        store[..., ::2, ::2] = t
        x = store[..., ::2, ::2]
    elif layout == "permute":
        x = t.transpose(0, 1).contiguous().transpose(0, 1)
    contiguous = x.contiguous()
    cpu = x.detach().cpu()
    if cpu.dtype == torch.bfloat16:
        cpu = cpu.float()
    values = cpu.numpy()
    return Drawn(x, contiguous, label, layout, values)


# --- calling and classifying -------------------------------------------------------------------


def call(fn, *args, **kwargs):
    """Run a kernel: its result, or the documented error it raised; anything else fails."""
    try:
        return fn(*args, **kwargs)
    except DOCUMENTED as exc:
        note(f"{fn.__name__} raised {type(exc).__name__}: {exc}")
        return exc
    except Exception as exc:  # the property: nothing but the documented errors
        pytest.fail(f"{fn.__name__} raised an undocumented {type(exc).__name__}: {exc!r}")


def expected_input_error(d: Drawn, *, exact=False, finite_check=True):
    """(error type, keyword) that the kernels must raise for ``d``, or None."""
    ok = exact_ok(d.label) if exact else precision(d.label) is not None
    if exact and d.label == "datetime64[s]":  # refused entry by entry, after the shape
        if d.ndim < 2:
            return KernelInputError, "two dimensions"
        return (KernelTypeError, "type") if d.values.size else None
    if not ok:
        return KernelTypeError, "dtype"
    if d.ndim < 2:
        return KernelInputError, "two dimensions"
    if not d.finite and (finite_check or exact):
        return KernelInputError, "NaN" if d.label != "object" else "non-finite"
    return None


def assert_raises(out, expected):
    cls, keyword = expected
    assert isinstance(out, cls), f"expected {cls.__name__} ({keyword}), got {out!r}"
    assert keyword.lower() in str(out).lower(), (keyword, str(out))


def to_np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_native(d: Drawn, out, *, one_matrix_scalar=True):
    """NumPy (and lists) in gives NumPy out, a scalar for one matrix; tensors stay tensors."""
    if d.lib == "torch":
        assert isinstance(out, torch.Tensor), type(out)
        assert out.device == d.x.device
    elif one_matrix_scalar and d.ndim == 2:
        assert isinstance(out, np.generic), type(out)
    else:
        assert isinstance(out, np.ndarray), type(out)


def assert_within(diff, tol, got, ref):
    """``diff <= tol`` elementwise (broadcasting), with the values in the message."""
    bad = ~(diff <= tol)
    assert not np.any(bad), f"got {got}, reference {ref}, difference {diff}, tolerance {tol}"


def out_dtype(d: Drawn) -> np.dtype:
    return np.dtype(np.float32 if precision(d.label) == "float32" else np.float64)


# --- NumPy references --------------------------------------------------------------------------


def scaled_svd(a: np.ndarray):
    """NumPy singular values of ``a`` (float64, finite) rescaled per matrix by ``2**-e``.

    Returns ``(s, e)``: ``s`` of shape ``(..., k)`` descending, ``e`` integer of the batch
    shape, with ``svd(a) = s * 2**e`` (the scaled matrix has largest entry in [0.5, 1)).
    """
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    if k == 0 or a.size == 0:
        return np.zeros((*batch, k)), np.zeros(batch, dtype=int)
    big = np.max(np.abs(a), axis=(-2, -1))
    e = np.where(big > 0, np.frexp(big)[1], 0)
    s = np.linalg.svd(np.ldexp(a, -e[..., None, None]), compute_uv=False)
    return s, e


def robust(values, threshold, slack):
    """Whether no reference value lies within ``slack`` of the threshold (per matrix)."""
    if values.shape[-1] == 0:
        return np.ones(values.shape[:-1], dtype=bool)
    return np.all(np.abs(values - threshold) > slack, axis=-1)


def batch_items(d: Drawn):
    """The first few matrices of a batch as (index, input in d's library) pairs."""
    batch = d.shape[:-2]
    if not batch or math.prod(batch) == 0:
        return []
    src = d.contiguous if d.layout != "list" else np.asarray(d.x)
    return [(idx, src[idx]) for idx in list(np.ndindex(batch))[:3]]


# --- properties: one-matrix kernels ----------------------------------------------------------


@fuzz(250)
@given(data=st.data())
def test_singular_values(xp, data):
    d = data.draw(arrays(xp), label="a")
    out = call(singular_values, d.x)
    expected = expected_input_error(d)
    if expected:
        return assert_raises(out, expected)
    prec = precision(d.label)
    s_ref, e = scaled_svd(d.ref)
    m, n = d.shape[-2:]
    if isinstance(out, Exception):  # only for a sigma_1 that does not fit the dtype
        assert_raises(out, (KernelInputError, "overflow"))
        top = np.ldexp(s_ref[..., 0] * (1 + 4 * p_factor(m, n) * EPS[prec]), e)
        assert np.any(top >= FMAX[prec]), (out, s_ref, e)
        return
    assert_native(d, out, one_matrix_scalar=False)
    got = to_np(out)
    assert got.dtype == out_dtype(d)
    assert got.shape == (*d.shape[:-2], min(m, n))
    assert np.all(np.isfinite(got)) and np.all(got >= 0)
    assert np.all(np.diff(got, axis=-1) <= 0)
    if not got.size:
        return
    scaled = np.ldexp(got.astype(np.float64), -e[..., None])
    top = s_ref[..., :1]
    tol = 2 * p_factor(m, n) * EPS[prec] * top + np.ldexp(8.0 * TINY[prec], -e[..., None])
    assert_within(np.abs(scaled - s_ref), tol, got, s_ref)
    if d.layout != "C":
        np.testing.assert_array_equal(to_np(singular_values(d.contiguous)), got)
    for idx, one in batch_items(d):
        np.testing.assert_allclose(
            to_np(singular_values(one)),
            got[idx],
            rtol=0,
            atol=float(np.max(np.ldexp(tol[idx], e[idx]), initial=0)),
        )


tolerances = st.one_of(
    st.none(),
    st.just(0.0),
    st.floats(0, 1),
    st.floats(1e-300, 1e300),
    st.sampled_from([1e-12, 1e-6, 1e-3, 0.5, 1.0, 2.0, 1e38, 1e300]),
)


@fuzz(250)
@given(data=st.data())
def test_matrix_rank(xp, data):
    d = data.draw(arrays(xp), label="a")
    atol = data.draw(tolerances, label="atol")
    rtol = data.draw(tolerances, label="rtol")
    if d.ndim >= 2 and d.shape[:-2] and data.draw(st.booleans(), label="batched atol"):
        # one tolerance per matrix along the last batch dimension
        per = st.one_of(st.just(0.0), st.floats(0, 1), st.floats(1e-300, 1e300))
        atol = np.asarray([data.draw(per) for _ in range(d.shape[-3])], dtype=np.float64)
        if d.lib == "torch":
            atol = torch.as_tensor(atol, device=d.x.device)
    dec = call(matrix_rank, d.x, atol=atol, rtol=rtol, return_decision=True)
    expected = expected_input_error(d)
    if expected:
        return assert_raises(dec, expected)
    assert not isinstance(dec, Exception), dec
    plain = matrix_rank(d.x, atol=atol, rtol=rtol)
    assert_native(d, plain)
    assert to_np(plain).dtype == np.int64
    np.testing.assert_array_equal(to_np(plain), to_np(dec.rank))
    margin, decided = to_np(dec.margin), to_np(dec.decided)
    assert margin.dtype == out_dtype(d)
    np.testing.assert_array_equal(decided, margin > 1)
    cert = call(matrix_rank, d.x, atol=atol, rtol=rtol, certified=True)
    if isinstance(cert, Exception):
        assert_raises(cert, (RankUndecidableError, "undecidable"))
        assert not np.all(decided)
    else:
        assert np.all(decided)
        np.testing.assert_array_equal(to_np(cert), to_np(plain))
    # NumPy's count above the same threshold, wherever decided and NumPy's count is robust
    prec = precision(d.label)
    m, n = d.shape[-2:]
    s_ref, e = scaled_svd(d.ref)
    fmax = FMAX[prec]
    atol_v = np.zeros(()) if atol is None else np.minimum(to_np(atol).astype(np.float64), fmax)
    atol_v = atol_v.astype(prec).astype(np.float64)
    if rtol is None:
        rtol_v = np.where(atol_v > 0, 0.0, max(m, n) * EPS[prec])
    else:
        rtol_v = np.float64(np.float32(min(rtol, fmax)) if prec == "float32" else rtol)
    top = s_ref[..., :1] if s_ref.shape[-1] else np.zeros((*s_ref.shape[:-1], 1))
    with np.errstate(over="ignore"):
        thr = np.maximum(np.ldexp(atol_v, -e)[..., None], rtol_v[..., None] * top)
    slack = 4 * p_factor(m, n) * EPS["float64"] * top * (1 + rtol_v[..., None])
    count = np.sum(s_ref > thr, axis=-1)
    check = decided & robust(s_ref, thr, slack)
    np.testing.assert_array_equal(to_np(plain)[check], count[check])
    # small integer matrices: the decided rank is the exact rank
    if (
        atol is None
        and rtol is None
        and (d.label.startswith(("int", "uint", ">i")) or d.label == "bool")
        and np.all(np.abs(d.ref) <= 2**20)
        and max(m, n) <= 6
    ):
        exact = np.asarray(exact_rank(d.ref.astype(np.int64)))
        np.testing.assert_array_equal(to_np(plain)[decided], exact[decided])
    if d.layout != "C":
        np.testing.assert_array_equal(
            to_np(matrix_rank(d.contiguous, atol=atol, rtol=rtol)), to_np(plain)
        )
    if atol is None or np.ndim(to_np(atol)) == 0:
        for idx, one in batch_items(d):
            one_dec = matrix_rank(one, atol=atol, rtol=rtol, return_decision=True)
            if bool(decided[idx]) and bool(to_np(one_dec.decided)):
                assert int(one_dec.rank) == int(to_np(plain)[idx])


@fuzz(150)
@given(data=st.data())
def test_normalized_rank(xp, data):
    d = data.draw(arrays(xp), label="w")
    threshold = data.draw(
        st.one_of(st.just(1e-4), st.floats(0, 1.5), st.sampled_from([0.0, 1e-300, 1.0, 1e300])),
        label="threshold",
    )
    normalization = data.draw(st.sampled_from(["spectral", "frobenius"]), label="normalization")
    dec = call(
        normalized_rank, d.x, threshold=threshold, normalization=normalization, return_decision=True
    )
    expected = expected_input_error(d)
    if expected:
        return assert_raises(dec, expected)
    assert not isinstance(dec, Exception), dec
    plain = normalized_rank(d.x, threshold=threshold, normalization=normalization)
    assert_native(d, plain)
    np.testing.assert_array_equal(to_np(plain), to_np(dec.rank))
    decided = to_np(dec.decided)
    prec = precision(d.label)
    m, n = d.shape[-2:]
    s_ref, _ = scaled_svd(d.ref)
    if s_ref.shape[-1] == 0:
        np.testing.assert_array_equal(to_np(plain), 0)
        return
    scale = (
        s_ref[..., :1] if normalization == "spectral" else np.linalg.norm(s_ref, axis=-1)[..., None]
    )
    safe = np.where(scale > 0, scale, 1.0)
    values = np.where(scale > 0, s_ref / safe, 0.0)
    thr = float(np.float32(threshold)) if prec == "float32" else threshold
    slack = 4 * p_factor(m, n) * EPS["float64"] * (1 + values)
    count = np.sum(values > thr, axis=-1)
    check = decided & robust(values, thr, slack)
    np.testing.assert_array_equal(to_np(plain)[check], count[check])
    if d.layout != "C":
        np.testing.assert_array_equal(
            to_np(normalized_rank(d.contiguous, threshold=threshold, normalization=normalization)),
            to_np(plain),
        )


@fuzz(150)
@given(data=st.data())
def test_soft_rank(xp, data):
    d = data.draw(arrays(xp), label="h")
    tau_kind = data.draw(st.sampled_from(["fixed", "near-value", "wide"]), label="tau kind")
    prec = precision(d.label)
    s_ref, e = (None, None)
    if d.ref is not None and d.finite and d.ndim >= 2 and prec:
        s_ref, e = scaled_svd(d.ref)
    if tau_kind == "near-value" and s_ref is not None and s_ref.size:
        i = data.draw(st.integers(0, s_ref.shape[-1] - 1))
        v = float(s_ref.reshape(-1, s_ref.shape[-1])[0, i]) ** 2 / max(d.shape[-1], 1)
        with np.errstate(all="ignore"):
            tau = float(np.ldexp(v, 2 * int(e.reshape(-1)[0]))) * data.draw(
                st.sampled_from([1.0, 1 - 1e-9, 1 + 1e-9, 0.5, 2.0])
            )
        if not math.isfinite(tau):
            tau = 0.5
    elif tau_kind == "wide":
        tau = data.draw(st.floats(0, 1e300), label="tau")
    else:
        tau = data.draw(st.sampled_from([0.0, 0.5, 1.0, 1e-320, 1e-30, 1e30]), label="tau")
    dec = call(soft_rank, d.x, tau, return_decision=True)
    expected = expected_input_error(d)
    if expected:
        return assert_raises(dec, expected)
    m, n = d.shape[-2:]
    big_n = max(n, 1)
    top = s_ref[..., :1] if s_ref.shape[-1] else np.zeros((*s_ref.shape[:-1], 1))
    if isinstance(dec, Exception):
        assert_raises(dec, (KernelInputError, "overflow"))
        with np.errstate(over="ignore"):
            biggest = np.ldexp(
                top[..., 0] ** 2 / big_n * (1 + 8 * p_factor(m, n) * EPS[prec]), 2 * e
            )
        assert np.any(biggest >= FMAX[prec]), (dec, s_ref, e)
        return
    plain = soft_rank(d.x, tau)
    assert_native(d, plain)
    np.testing.assert_array_equal(to_np(plain), to_np(dec.rank))
    decided = to_np(dec.decided)
    tau_v = float(np.float32(tau)) if prec == "float32" else tau
    with np.errstate(all="ignore"):
        thr = np.ldexp(tau_v, -2 * e)[..., None]
    values = s_ref**2 / big_n
    slack = (
        8 * p_factor(m, n) * EPS["float64"] * top**2 / big_n
        + np.ldexp(4 * TINY[prec], -2 * e)[..., None]
    )
    count = np.sum(values >= thr, axis=-1)
    check = decided & robust(values, thr, slack)
    np.testing.assert_array_equal(to_np(plain)[check], count[check])
    if d.layout != "C":
        np.testing.assert_array_equal(to_np(soft_rank(d.contiguous, tau)), to_np(plain))


def _ratio_checks(d, out, reference, rel):
    """Float results of scale-invariant notions against their definition from NumPy."""
    assert_native(d, out)
    got = to_np(out)
    assert got.dtype == out_dtype(d)
    assert got.shape == d.shape[:-2]
    np.testing.assert_allclose(got, reference, rtol=rel, atol=rel)


@fuzz(150)
@given(data=st.data())
def test_stable_and_effective_rank(xp, data):
    d = data.draw(arrays(xp), label="a")
    sr = call(stable_rank, d.x)
    er = call(effective_rank, d.x)
    expected = expected_input_error(d)
    if expected:
        assert_raises(sr, expected)
        return assert_raises(er, expected)
    prec = precision(d.label)
    m, n = d.shape[-2:]
    s_ref, _ = scaled_svd(d.ref)
    k = s_ref.shape[-1]
    sq = s_ref**2
    fro2 = np.sum(sq, axis=-1)
    top = sq[..., 0] if k else np.zeros(sq.shape[:-1])
    stable = np.where(top > 0, fro2 / np.where(top > 0, top, 1), 0.0)
    p = p_factor(m, n)
    _ratio_checks(d, sr, stable, 8 * p * (k + 1) * EPS[prec])
    four = np.sum(sq * sq, axis=-1)
    eff = np.where(four > 0, fro2**2 / np.where(four > 0, four, 1), 0.0)
    _ratio_checks(d, er, eff, 16 * (m + n + p) * (k + 1) * EPS[prec])
    assert np.all(to_np(er)[fro2 > 0] >= 1 - 1e-3)
    if d.layout != "C":
        np.testing.assert_allclose(to_np(stable_rank(d.contiguous)), to_np(sr), rtol=1e-5)
        np.testing.assert_allclose(to_np(effective_rank(d.contiguous)), to_np(er), rtol=1e-5)
    for idx, one in batch_items(d):
        np.testing.assert_allclose(to_np(stable_rank(one)), to_np(sr)[idx], rtol=1e-5)
        np.testing.assert_allclose(to_np(effective_rank(one)), to_np(er)[idx], rtol=1e-5)


NORMS = ["fro", "frobenius", "spectral", 2, "2", "nuc", "nuclear"]


@fuzz(150)
@given(data=st.data())
def test_lowrank_distance(xp, data):
    d = data.draw(arrays(xp), label="w")
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    side = min(d.shape[-2:]) if d.ndim >= 2 else 0
    k = data.draw(st.one_of(st.integers(0, side + 1), st.just(10**30)), label="k")
    out = call(lowrank_distance, d.x, k, norm)
    expected = expected_input_error(d)
    if expected:
        return assert_raises(out, expected)
    prec = precision(d.label)
    m, n = d.shape[-2:]
    s_ref, e = scaled_svd(d.ref)
    tail = s_ref[..., min(k, side) :]
    if norm in ("fro", "frobenius"):
        ref = np.sqrt(np.sum(tail**2, axis=-1))
    elif norm in ("nuc", "nuclear"):
        ref = np.sum(tail, axis=-1)
    else:
        ref = tail[..., 0] if tail.shape[-1] else np.zeros(tail.shape[:-1])
    top = s_ref[..., 0] if side else np.zeros(s_ref.shape[:-1])
    tol = 2 * p_factor(m, n) * EPS[prec] * top * max(side, 1) + np.ldexp(8.0 * TINY[prec], -e)
    if isinstance(out, Exception):
        assert_raises(out, (KernelInputError, "overflow"))
        with np.errstate(over="ignore"):
            assert np.any(np.ldexp(ref + tol, e) >= FMAX[prec]), (out, ref, e)
        return
    assert_native(d, out)
    got = to_np(out)
    assert got.dtype == out_dtype(d)
    assert np.all(np.isfinite(got))
    assert_within(np.abs(np.ldexp(got.astype(np.float64), -e) - ref), tol, got, ref)
    if d.layout != "C":
        np.testing.assert_array_equal(to_np(lowrank_distance(d.contiguous, k, norm)), got)


# --- exact_rank --------------------------------------------------------------------------------


def _fraction(x) -> Fraction:
    if isinstance(x, (float, np.floating)):
        num, den = x.as_integer_ratio()
        return Fraction(int(num), int(den))
    return Fraction(int(x)) if isinstance(x, (bool, np.bool_, np.integer)) else Fraction(x)


def fraction_rank(rows) -> int:
    """Rank by Gaussian elimination over Fraction (the plain textbook algorithm)."""
    a = [[_fraction(x) for x in r] for r in rows]
    rank, cols = 0, len(a[0]) if a else 0
    for c in range(cols):
        piv = next((i for i in range(rank, len(a)) if a[i][c] != 0), None)
        if piv is None:
            continue
        a[rank], a[piv] = a[piv], a[rank]
        for i in range(rank + 1, len(a)):
            f = a[i][c] / a[rank][c]
            a[i] = [x - f * y for x, y in zip(a[i], a[rank], strict=True)]
        rank += 1
    return rank


@fuzz(150)
@given(data=st.data())
def test_exact_rank(xp, data):
    d = data.draw(arrays(xp), label="a")
    out = call(exact_rank, d.x)
    expected = expected_input_error(d, exact=True)
    if expected:
        return assert_raises(out, expected)
    assert not isinstance(out, Exception), out
    if d.lib == "torch":
        assert isinstance(out, torch.Tensor) and out.device == d.x.device
    elif d.ndim == 2:
        assert type(out) is int
    else:
        assert isinstance(out, np.ndarray)
    got = to_np(out)
    assert got.dtype == np.int64 and got.shape == d.shape[:-2]
    vals = d.values
    for idx in list(np.ndindex(d.shape[:-2]))[:4]:
        mat = vals[idx]
        rows = [
            [x.item() if isinstance(x, np.generic) and x.dtype != np.longdouble else x for x in r]
            for r in mat
        ]
        assert int(got[idx]) == fraction_rank(rows), (mat, got[idx])


# --- sv_error ------------------------------------------------------------------------------------


@fuzz(40)
@given(data=st.data())
def test_sv_error(xp, data):
    d = data.draw(arrays(xp, dtypes=["float64", "float32"], layouts=False), label="a")
    if not d.finite or d.ndim < 2:
        return
    s = call(singular_values, d.x)
    if isinstance(s, Exception):
        return
    m, n = d.shape[-2:]
    dtype = data.draw(st.sampled_from([d.label, np.dtype(d.label), getattr(np, d.label)]))
    err = to_np(sv_error(s, m, n, dtype))
    sv = to_np(s)
    expected = sv[..., :1] * (p_factor(m, n) * EPS[d.label]) if sv.shape[-1] else sv
    np.testing.assert_allclose(err, expected, rtol=1e-6)


# --- Khatri-Rao -----------------------------------------------------------------------------------


@st.composite
def factor_pairs(draw, backend, *, same_dtype=False):
    """Two factors with the same column count and broadcastable batch shapes."""
    n = draw(st.integers(0, MAX_SIDE + 2), label="N")
    db = draw(st.integers(0, MAX_SIDE), label="d_b")
    dc = draw(st.integers(0, MAX_SIDE), label="d_c")
    batch = tuple(draw(st.lists(st.integers(0, MAX_BATCH), max_size=2), label="batch"))
    bb = tuple(1 if draw(st.booleans()) else s for s in batch)
    cb = tuple(1 if draw(st.booleans()) else s for s in batch)
    if cb and draw(st.booleans()):
        cb = cb[1:]  # fewer batch dims broadcast too
    b = draw(arrays(backend, shape=(*bb, db, n)), label="b")
    dtypes = [b.label] if same_dtype and b.label in NUMPY_DTYPES + TORCH_DTYPES else None
    c = draw(arrays(backend, shape=(*cb, dc, n), dtypes=dtypes), label="c")
    return b, c


def kron_reference(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Column j of the product is np.kron(b[:, j], c[:, j]), per broadcast batch index."""
    batch = np.broadcast_shapes(b.shape[:-2], c.shape[:-2])
    b = np.broadcast_to(b, (*batch, *b.shape[-2:]))
    c = np.broadcast_to(c, (*batch, *c.shape[-2:]))
    n = b.shape[-1]
    dtype = np.result_type(b.dtype, c.dtype)
    out = np.zeros((*batch, b.shape[-2] * c.shape[-2], n), dtype=dtype)
    with np.errstate(all="ignore"):
        for idx in np.ndindex(batch):
            for j in range(n):
                out[(*idx, slice(None), j)] = np.kron(
                    b[(*idx, slice(None), j)], c[(*idx, slice(None), j)]
                )
    return out


def torch_common_dtype(b, c):
    try:
        return torch.result_type(b, c)
    except RuntimeError:
        return None


@fuzz(200)
@given(data=st.data())
def test_khatri_rao(xp, data):
    b, c = data.draw(factor_pairs(xp), label="factors")
    out = call(khatri_rao, b.x, c.x)
    for d in (b, c):
        expected = expected_input_error(d, finite_check=False)
        if expected:
            return assert_raises(out, expected)
    if xp.name != "numpy" and torch_common_dtype(b.x, c.x) is None:
        return assert_raises(out, (KernelTypeError, "common dtype"))
    assert not isinstance(out, Exception), out
    if xp.name == "numpy":
        assert isinstance(out, np.ndarray)
        bv, cv = np.asarray(b.x), np.asarray(c.x)
        ref = kron_reference(
            bv.astype(bv.dtype.newbyteorder("=")), cv.astype(cv.dtype.newbyteorder("="))
        )
    else:
        assert isinstance(out, torch.Tensor) and out.device == b.x.device
        common = torch_common_dtype(b.x, c.x)
        assert out.dtype == common
        to = (lambda t: t.to(common).detach().cpu()) if common != torch.bfloat16 else None
        ref = kron_reference(to(b.x).numpy(), to(c.x).numpy())
    got = to_np(out)
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    np.testing.assert_array_equal(got, ref)


@fuzz(250)
@given(data=st.data())
def test_khatri_rao_rank(xp, data):
    b, c = data.draw(factor_pairs(xp), label="factors")
    atol = data.draw(st.one_of(st.none(), st.just(0.0), st.floats(1e-300, 1e300)), label="atol")
    rtol = data.draw(st.one_of(st.none(), st.floats(0, 1), st.just(1e-10)), label="rtol")
    dec = call(khatri_rao_rank, b.x, c.x, atol=atol, rtol=rtol, return_decision=True)
    for d in (b, c):
        expected = expected_input_error(d)
        if expected:
            return assert_raises(dec, expected)
    assert not isinstance(dec, Exception), dec
    plain = khatri_rao_rank(b.x, c.x, atol=atol, rtol=rtol)
    batch = np.broadcast_shapes(b.shape[:-2], c.shape[:-2])
    if xp.name == "numpy":
        assert isinstance(plain, np.generic if not batch else np.ndarray)
    else:
        assert isinstance(plain, torch.Tensor) and plain.device == b.x.device
    got, decided = to_np(plain), to_np(dec.decided)
    assert got.shape == batch and got.dtype == np.int64
    np.testing.assert_array_equal(got[decided], to_np(dec.rank)[decided])
    cert = call(khatri_rao_rank, b.x, c.x, atol=atol, rtol=rtol, certified=True)
    if isinstance(cert, Exception):
        assert_raises(cert, (RankUndecidableError, "undecidable"))
        assert not np.all(decided)
    # the rank of the formed product, from NumPy, where decided and NumPy's count is robust
    prec = "float32" if precision(b.label) == precision(c.label) == "float32" else "float64"
    n = b.shape[-1]
    big_m = b.shape[-2] * c.shape[-2]
    bs, eb = _pow2(b.ref)
    cs, ec = _pow2(c.ref)
    k_scaled = kron_reference(bs, cs)
    e = np.broadcast_to(eb, batch) + np.broadcast_to(ec, batch)
    s_ref = (
        np.linalg.svd(k_scaled, compute_uv=False)
        if min(big_m, n) and k_scaled.size
        else np.zeros((*batch, min(big_m, n)))
    )
    top = s_ref[..., :1] if s_ref.shape[-1] else np.zeros((*batch, 1))
    atol_v = 0.0 if atol is None else atol  # (a Python float here, never cast to float32)
    rtol_v = (0.0 if atol_v > 0 else max(big_m, n) * EPS[prec]) if rtol is None else rtol
    with np.errstate(over="ignore"):
        thr = np.maximum(np.ldexp(atol_v, -e)[..., None], rtol_v * top)
    p = p_factor(big_m, n) + (math.sqrt(n) if prec == "float64" else 0.0)
    slack = 4 * p * EPS["float64"] * top * (1 + rtol_v)
    count = np.sum(s_ref > thr, axis=-1)
    check = decided & robust(s_ref, thr, slack)
    np.testing.assert_array_equal(got[check], count[check])
    if b.layout != "C" or c.layout != "C":
        again = khatri_rao_rank(
            b.contiguous, c.contiguous, atol=atol, rtol=rtol, return_decision=True
        )
        both = decided & to_np(again.decided)
        np.testing.assert_array_equal(to_np(again.rank)[both], to_np(dec.rank)[both])


def _pow2(a: np.ndarray):
    """``a`` rescaled per matrix to largest entry in [0.5, 1), and the exponents."""
    if a.size == 0:
        return a, np.zeros(a.shape[:-2], dtype=int)
    big = np.max(np.abs(a), axis=(-2, -1))
    e = np.where(big > 0, np.frexp(big)[1], 0)
    return np.ldexp(a, -e[..., None, None]), e


# --- mismatched and bad arguments ---------------------------------------------------------------


def _matrix(backend, shape=(3, 3), dtype=np.float64):
    a = np.arange(math.prod(shape), dtype=np.float64).reshape(shape) % 5 + np.eye(*shape[-2:])
    return backend.asarray(a.astype(dtype))


BAD_TOLERANCES = [-1.0, -1e-300, float("nan"), float("inf"), -float("inf"), "0.1", True, 1j]
BAD_SCALARS = [-0.5, float("nan"), float("inf"), "0.5", None, True, 1j]


@st.composite
def bad_calls(draw, backend):
    """(description, thunk, error type, keyword) of a call with a bad argument."""
    a = _matrix(backend)
    batch = _matrix(backend, (2, 3, 3))
    kind = draw(
        st.sampled_from(
            [
                "mixed",
                "columns",
                "batch",
                "atol",
                "rtol",
                "tol-shape",
                "tau",
                "threshold",
                "normalization",
                "k",
                "norm",
                "ndim",
                "two-devices",
            ]
        ),
        label="kind",
    )
    kr = draw(st.sampled_from([khatri_rao, khatri_rao_rank]))
    if kind == "mixed":
        other = np.ones((2, 3)) if backend.name != "numpy" else torch.ones((2, 3))
        if draw(st.booleans()):
            other = other.tolist() if isinstance(other, np.ndarray) else other
        args = (a, other) if draw(st.booleans()) else (other, a)
        if all(not isinstance(x, torch.Tensor) for x in args):  # a list and a NumPy array
            args = (args[0], torch.ones((2, 3)))
        return kind, lambda: kr(*args), KernelTypeError, "mixed"
    if kind == "columns":
        cols = draw(st.integers(0, 5).filter(lambda j: j != 3))
        return kind, lambda: kr(a, _matrix(backend, (2, cols))), KernelInputError, "columns"
    if kind == "batch":
        other = _matrix(backend, (3, 2, 3))
        return kind, lambda: kr(batch, other), KernelInputError, "broadcast"
    if kind in ("atol", "rtol"):
        value = draw(st.sampled_from(BAD_TOLERANCES))
        fn = draw(st.sampled_from([matrix_rank, lambda x, **kw: khatri_rao_rank(x, x, **kw)]))
        return kind, lambda: fn(a, **{kind: value}), KernelInputError, kind
    if kind == "tol-shape":
        name = draw(st.sampled_from(["atol", "rtol"]))
        value = draw(st.sampled_from([np.ones(3), np.ones((2, 2)), [0.1, 0.2, 0.3]]))
        return kind, lambda: matrix_rank(batch, **{name: value}), KernelInputError, name
    if kind == "tau":
        tau = draw(st.sampled_from(BAD_SCALARS))
        return kind, lambda: soft_rank(a, tau), KernelInputError, "tau"
    if kind == "threshold":
        thr = draw(st.sampled_from(BAD_SCALARS))
        return kind, lambda: normalized_rank(a, threshold=thr), KernelInputError, "threshold"
    if kind == "normalization":
        norm = draw(st.sampled_from(["nuclear", "Spectral", "fro", "", None, 2]))
        return (
            kind,
            lambda: normalized_rank(a, normalization=norm),
            KernelInputError,
            "normalization",
        )
    if kind == "k":
        k = draw(
            st.sampled_from([-1, -(10**30), 0.5, float("nan"), None, "1", True, np.float64(1)])
        )
        return kind, lambda: lowrank_distance(a, k), KernelInputError, "k must be"
    if kind == "norm":
        norm = draw(st.sampled_from(["max", "inf", 1, "Fro", None, 2.0, "nucl", True, -2]))
        return kind, lambda: lowrank_distance(a, 1, norm), KernelInputError, "norm must be"
    if kind == "ndim":
        x = backend.asarray(draw(st.sampled_from([np.float64(2.0), np.arange(3.0), np.ones(0)])))
        fn = draw(
            st.sampled_from(
                [
                    singular_values,
                    matrix_rank,
                    normalized_rank,
                    lambda v: soft_rank(v, 0.5),
                    effective_rank,
                    stable_rank,
                    exact_rank,
                    lambda v: lowrank_distance(v, 1),
                    lambda v: khatri_rao(v, v),
                    lambda v: khatri_rao_rank(v, v),
                ]
            )
        )
        return kind, lambda: fn(x), KernelInputError, "two dimensions"
    # two devices: only with CUDA
    if not torch.cuda.is_available():
        return kind, None, None, None
    return (
        kind,
        lambda: kr(torch.ones((2, 3)), torch.ones((2, 3), device="cuda")),
        KernelTypeError,
        "devices",
    )


@fuzz(150)
@given(data=st.data())
def test_bad_arguments_raise_documented_errors(xp, data):
    _, thunk, cls, keyword = data.draw(bad_calls(xp), label="call")
    if thunk is None:
        return
    out = call(thunk)
    assert_raises(out, (cls, keyword))


# --- regressions found by the fuzzing -------------------------------------------------------------


def test_effective_rank_of_large_entries_is_not_nan(xp):
    # tr(M)^2 overflowed although every fourth power of an entry fit: NaN for rank 1
    for a in (np.full((8, 8), 2e9, dtype=np.float32), np.full((8, 8), 1e77)):
        assert float(xp.to_numpy(effective_rank(xp.asarray(a)))) == pytest.approx(1.0)


def test_khatri_rao_rank_of_tiny_factors_with_atol(xp):
    # atol / 2**e overflowed Python's math.ldexp: OverflowError instead of rank 0
    b = xp.asarray(np.eye(3)[:, :2] * 1e-300)
    assert int(khatri_rao_rank(b, b, atol=1e-10)) == 0
    d = khatri_rao_rank(b, b, atol=1.0, return_decision=True)
    assert int(d.rank) == 0 and bool(d.decided) and float(d.threshold) == 1.0


@pytest.mark.parametrize(
    ("value", "name"),
    [("0.1", "atol"), (True, "atol"), (1j, "rtol"), (object(), "atol"), (np.ones(3), "atol")],
    ids=["str", "bool", "complex", "object", "shape"],
)
def test_matrix_rank_refuses_bad_tolerances(xp, value, name):
    # a string was read as a number (NumPy) or raised TypeError (PyTorch); a tolerance of the
    # wrong shape raised NumPy's ValueError or PyTorch's RuntimeError
    with pytest.raises(KernelInputError, match=name):
        matrix_rank(xp.asarray(np.ones((2, 3, 3))), **{name: value})


def test_matrix_rank_tolerance_beyond_float32(xp):
    # 1e300 is a finite tolerance: it was refused as non-finite after the cast to float32
    a = xp.asarray(np.eye(3, dtype=np.float32))
    assert int(matrix_rank(a, rtol=1e300)) == 0
    assert int(matrix_rank(a, atol=1e300)) == 0


@pytest.mark.parametrize("scale", [1e20, 1e-25])
def test_lowrank_distance_float32_extremes(xp, scale):
    # 1e20: sigma^2 overflowed (an error for a representable distance); 1e-25: it underflowed
    # and the distance came out 0
    a = xp.asarray(np.eye(3, dtype=np.float32) * np.float32(scale))
    got = float(xp.to_numpy(lowrank_distance(a, 0)))
    assert got == pytest.approx(math.sqrt(3) * scale, rel=1e-6, abs=0)


def test_lowrank_distance_float64_tiny(xp):
    got = float(xp.to_numpy(lowrank_distance(xp.asarray(np.eye(3) * 1e-200), 1)))
    assert got == pytest.approx(math.sqrt(2) * 1e-200, rel=1e-12, abs=0)


def test_soft_rank_representable_value_does_not_overflow(xp):
    # sigma^2 overflowed float32 where sigma^2 / N is representable
    h = xp.asarray(np.full((1, 100), 2e18, dtype=np.float32))  # sigma^2 / N = 4e36
    assert int(soft_rank(h, 1e36)) == 1


def test_soft_rank_near_underflow_is_not_decided_falsely(xp):
    # sigma^2 / N in the subnormal range: the rounding is absolute; the error bound was 0
    # and the margin infinite
    s = 1.0000001e-161
    d = soft_rank(xp.asarray(np.array([[s]])), s * s * (1 - 1e-3), return_decision=True)
    assert float(xp.to_numpy(d.margin)) < math.inf
    zero = soft_rank(xp.asarray(np.zeros((2, 2))), 1e-320, return_decision=True)
    assert float(xp.to_numpy(zero.margin)) == math.inf  # exact zeros stay exact


@pytest.mark.parametrize("order", [">f8", ">f4", ">i4"])
def test_big_endian_arrays(order):
    # byte-swapped float64 was refused as "unsupported dtype >f8"
    a = np.array([[1.0, 2.0], [2.0, 4.0]]).astype(order)
    assert int(matrix_rank(a)) == 1
    np.testing.assert_allclose(singular_values(a), [5.0, 0.0], atol=1e-6)


def test_numpy_matrix_subclass():
    # np.matrix's reductions take no keepdims: TypeError
    assert int(matrix_rank(np.matrix([[1.0, 2.0], [2.0, 4.0]]))) == 1


def test_exact_rank_of_long_double():
    # entries were read through float(): rounded (rank 1 for a rank-2 matrix) or inf
    ld = np.longdouble
    eps = np.finfo(ld).eps
    if eps >= np.finfo(np.float64).eps:
        pytest.skip("long double is double on this platform")
    assert exact_rank(np.array([[1, 1], [1, 1 + eps]], dtype=ld)) == 2
    assert exact_rank(np.full((2, 2), ld(10) ** 4000)) == 1


@pytest.mark.parametrize("dtypes", [(torch.int64, torch.uint64), (torch.uint32, torch.int8)])
def test_khatri_rao_torch_dtypes_without_promotion(dtypes):
    # PyTorch cannot promote these pairs: RuntimeError; now KernelTypeError naming both
    b, c = (torch.ones((2, 2), dtype=dt) for dt in dtypes)
    with pytest.raises(KernelTypeError, match="common dtype"):
        khatri_rao(b, c)


def test_khatri_rao_of_nested_lists():
    # a nested list with a NumPy array (or two lists) raised array_api_compat's TypeError
    b, c = [[1, 2], [3, 4]], np.array([[5, 6], [7, 8]])
    np.testing.assert_array_equal(khatri_rao(b, c), khatri_rao(np.array(b), c))
    np.testing.assert_array_equal(khatri_rao(b, c.tolist()), khatri_rao(np.array(b), c))
    assert int(khatri_rao_rank(b, c.tolist())) == 2


@pytest.mark.parametrize("huge", [1.7976931348623157e308, 1e300, 1e200])
def test_khatri_rao_rank_large_entries_in_different_columns(xp, huge):
    # b's and c's largest entries sit in different columns, so K is 1/huge times smaller than
    # the normalised factors: the Gram underflowed to 0 and the rank came out 0, "decided"
    b = np.array([[0.0, 0.0], [0.0, -1.0]])
    c = np.array([[huge, 0.8216181], [0.3304371, -1.3031572]])
    for rtol in (None, 1e-10, 0.5):
        d = khatri_rao_rank(xp.asarray(b), xp.asarray(c), rtol=rtol, return_decision=True)
        # (the default threshold is within the error of the exact zero: undecided, rank 1)
        assert int(d.rank) == 1 and bool(d.decided) == (rtol is not None)
        assert int(khatri_rao_rank(xp.asarray(b), xp.asarray(c), rtol=rtol)) == 1


@pytest.mark.parametrize("big", [1.7976931348623157e308, 1e300])
def test_khatri_rao_rank_zero_product_with_huge_factor(xp, big):
    # K = 0 with a huge factor: the column balancing must still normalise the factors, or
    # their Gram overflows (inf * 0 = NaN: rank 1 in NumPy, a LinAlgError from eigh in PyTorch)
    b, c = np.array([[big]]), np.zeros((2, 1), dtype=np.int64)
    assert int(khatri_rao_rank(xp.asarray(b), xp.asarray(c))) == 0
    b = np.zeros((2, 3), dtype=np.int64)
    c = np.array([[0.12, -0.13, 0.64], [0.10, big, 0.36]])
    d = khatri_rao_rank(xp.asarray(b), xp.asarray(c), return_decision=True)
    assert int(d.rank) == 0 and bool(d.decided)
