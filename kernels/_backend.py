"""The backend seam: one place for namespaces, validation, dtype promotion and batched SVD.

Kernels are written once against an array namespace ``xp`` picked from their arguments by
``array_api_compat.array_namespace`` (NumPy, or PyTorch on CPU or CUDA): the backend is data,
never a global. The few primitives that the array API does not cover well (a fast batched SVD,
the in-place Gram factorisations of the Khatri-Rao kernel) live here, one function each.
"""

from __future__ import annotations

import contextlib
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_numpy_array, is_torch_array
from array_api_compat import device as device_of

from rankclaims.kernels.errors import KernelInputError, KernelTypeError

__all__ = [
    "as_matrix",
    "device_of",
    "eps",
    "is_torch",
    "namespace",
    "svdvals",
    "to_output",
]


def is_torch(xp: Any) -> bool:
    return "torch" in getattr(xp, "__name__", "")


def _torch():
    import torch

    return torch


def _describe(a: Any) -> str:
    if is_torch_array(a):
        return f"torch.Tensor(shape={tuple(a.shape)}, dtype={a.dtype}, device={a.device})"
    if is_numpy_array(a):
        return f"numpy.ndarray(shape={a.shape}, dtype={a.dtype})"
    return type(a).__name__


def namespace(*arrays: Any, names: tuple[str, ...] | None = None) -> Any:
    """Return the array namespace shared by ``arrays``; mixed NumPy/PyTorch raises.

    PyTorch tensors on different devices are refused as well: results are returned on the
    device of the inputs, so there must be exactly one.
    """
    kinds = {("torch" if is_torch_array(a) else "numpy") for a in arrays}
    if len(kinds) > 1:
        names = names or tuple(f"argument {i}" for i in range(len(arrays)))
        got = ", ".join(f"{n}: {_describe(a)}" for n, a in zip(names, arrays, strict=True))
        raise KernelTypeError(
            f"mixed NumPy and PyTorch arguments ({got}); convert them to one library first"
        )
    if "torch" in kinds:
        devices = {a.device for a in arrays}
        if len(devices) > 1:
            raise KernelTypeError(f"tensors on different devices: {sorted(map(str, devices))}")
    # nested lists and scalars have no namespace of their own: they become NumPy arrays
    arrays = [a for a in arrays if is_torch_array(a) or is_numpy_array(a)]
    return array_namespace(*arrays) if arrays else array_namespace(np.empty(0))


_FLOAT_DTYPES = ("float32", "float64")


_DTYPE_NAMES: dict[Any, str] = {}


def _dtype_name(dtype: Any) -> str:
    # str() of a NumPy dtype costs microseconds; kernels ask several times per call.
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype).replace("torch.", "")
    return name


def as_matrix(a: Any, name: str = "a", *, promote: bool = True, check_finite: bool = True):
    """Validate ``a`` as a matrix or a batch of matrices; return ``(xp, array)``.

    - NumPy arrays and PyTorch tensors are kept in their library (and device); anything else
      goes through :func:`numpy.asarray`.
    - float32 and float64 are kept; integer and boolean input becomes float64 when
      ``promote`` (the rank kernels) and is kept as is otherwise (``khatri_rao``); float16,
      bfloat16, complex and object arrays are refused with a :class:`KernelTypeError`.
    - fewer than two dimensions raises a :class:`KernelInputError` naming the shape;
    - NaN or infinity raises a :class:`KernelInputError` that counts them, when
      ``check_finite``: a rank of a non-finite matrix is undefined, never 0 or full.
    """
    if not (is_torch_array(a) or is_numpy_array(a)):
        try:
            a = np.asarray(a)
        except (TypeError, ValueError) as exc:  # ragged lists and the like
            raise KernelInputError(f"{name} cannot be read as an array: {exc}") from exc
    if not is_torch_array(a):
        if isinstance(a, np.ndarray) and type(a) is not np.ndarray:
            a = np.asarray(a)  # np.matrix and other subclasses: their reductions differ
        if not a.dtype.isnative:  # byte-swapped data: the same values in native order
            a = a.astype(a.dtype.newbyteorder("="))
    dt = _dtype_name(a.dtype)
    if is_torch_array(a):
        torch = _torch()
        if a.is_complex() or a.dtype in (torch.float16, torch.bfloat16):
            raise KernelTypeError(
                f"{name} has unsupported dtype {dt} (shape {tuple(a.shape)}); "
                "use float32, float64, an integer or a boolean dtype"
            )
        if not a.is_floating_point() and promote:
            a = a.to(torch.float64)
    else:
        kind = a.dtype.kind
        if kind in "iub":
            if promote:
                a = a.astype(np.float64)
        elif dt not in _FLOAT_DTYPES:
            hint = " (for Fractions use exact_rank)" if kind == "O" else ""
            raise KernelTypeError(
                f"{name} has unsupported dtype {dt} (shape {a.shape}); "
                f"use float32, float64, an integer or a boolean dtype{hint}"
            )
    if a.ndim < 2:
        raise KernelInputError(
            f"{name} must be a matrix or a batch of matrices (at least two dimensions); "
            f"got shape {tuple(a.shape)}"
        )
    xp = array_namespace(a)
    size = a.numel() if is_torch(xp) else a.size
    if check_finite and _dtype_name(a.dtype) in _FLOAT_DTYPES and size:
        finite = xp.isfinite(a)
        if not bool(xp.all(finite)):
            n_nan = int(xp.sum(xp.astype(xp.isnan(a), xp.int64)))
            n_inf = int(xp.sum(xp.astype(~finite, xp.int64))) - n_nan
            raise KernelInputError(
                f"{name} (shape {tuple(a.shape)}, dtype {_dtype_name(a.dtype)}) contains "
                f"{n_nan} NaN and {n_inf} infinite entries; a rank of a non-finite matrix is "
                "undefined"
            )
    return xp, a


def eps(dtype: Any) -> float:
    """Machine epsilon of a float32/float64 dtype of either library."""
    name = _dtype_name(dtype)
    if name not in _FLOAT_DTYPES and not str(dtype).startswith("torch."):
        # NumPy dtype-likes: np.float32, "f4", ... (str() of these is not "float32")
        with contextlib.suppress(TypeError):
            name = np.dtype(dtype).name
    return 1.1920928955078125e-07 if name == "float32" else 2.220446049250313e-16


def to_output(xp: Any, x: Any) -> Any:
    """Return NumPy 0-d results as NumPy scalars (as ``numpy.linalg`` does); tensors as is."""
    if not is_torch(xp) and isinstance(x, np.ndarray) and x.ndim == 0:
        return x[()]
    return x


# --- batched singular values -------------------------------------------------------------

_POOL: ThreadPoolExecutor | None = None


def _workers() -> int:
    """Threads for a batch's SVDs: ``$RANKCLAIMS_THREADS`` when set (a worker process of a
    parallel run gets its share of the cores), else every core this process may use."""
    env = os.environ.get("RANKCLAIMS_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="rankclaims-svd")
    return _POOL


# Below this many flops (about m*n*min(m,n) per matrix) a thread hand-off costs more than it saves.
_THREAD_MIN_WORK = 2.0e5


def _torch_svdvals(t: Any) -> Any:
    """Singular values of a batch of tensors, descending.

    On the CPU, NumPy's and PyTorch's batched SVDs loop over the batch on one core; the
    LAPACK calls release the GIL, so splitting the batch into one chunk per core and running
    the chunks in threads uses every core. Large single matrices go to LAPACK directly, whose
    BLAS is already multi-threaded. On CUDA the batch goes to ``torch.linalg.svdvals`` whole.
    """
    torch = _torch()
    m, n = t.shape[-2], t.shape[-1]
    bshape = tuple(t.shape[:-2])
    k = min(m, n)
    batch = math.prod(bshape)
    if k == 0 or batch == 0:
        return t.new_zeros((*bshape, k))
    if t.device.type != "cpu":
        return torch.linalg.svdvals(t)
    workers = min(_workers(), batch)
    if workers < 2 or batch * m * n * k < _THREAD_MIN_WORK:
        return torch.linalg.svdvals(t)
    flat = t.reshape(batch, m, n)
    chunks = flat.tensor_split(workers)
    parts = list(_pool().map(torch.linalg.svdvals, chunks))
    return torch.cat(parts).reshape(*bshape, k)


def svdvals(xp: Any, a: Any) -> Any:
    """Singular values of a validated float32/float64 batch, descending, in ``a``'s library."""
    if is_torch(xp):
        return _torch_svdvals(a)
    torch = _torch()
    if not (a.flags.c_contiguous and a.flags.writeable):
        a = np.ascontiguousarray(a) if a.flags.writeable else np.array(a, order="C")
    return _torch_svdvals(torch.from_numpy(a)).numpy()


#: below this many entries NumPy's reduction is cheap, and a PyTorch parallel region costs
#: more than it saves (about 8 ms each on a loaded machine with two threads)
_AMINMAX_MIN_ENTRIES = 1 << 16


def _max_abs(xp: Any, a: Any) -> Any:
    """max |a| per matrix, shape ``(..., 1, 1)``, from two reductions (no |a| temporary the
    size of the batch). A NumPy batch of small matrices goes through ``torch.aminmax`` on a
    zero-copy view: NumPy's reduction over two tiny trailing axes is several times slower
    (12-22 ms against 2 ms for 32768 8x8 matrices)."""
    if (
        not is_torch(xp)
        and a.ndim > 2
        and a.size >= _AMINMAX_MIN_ENTRIES
        and a.flags.c_contiguous
        and a.flags.writeable
        and a.dtype.isnative
        and a.dtype in (np.float32, np.float64)
    ):
        t = _torch().from_numpy(a).reshape(-1, a.shape[-2] * a.shape[-1])
        lo, hi = _torch().aminmax(t, dim=1)
        return np.maximum(hi.numpy(), -lo.numpy()).reshape(*a.shape[:-2], 1, 1)
    return xp.maximum(
        xp.max(a, axis=(-2, -1), keepdims=True), -xp.min(a, axis=(-2, -1), keepdims=True)
    )


def pow2_normalize(xp: Any, a: Any) -> tuple[Any, Any]:
    """Scale each matrix of a batch by a power of two so that its largest entry is in [0.5, 1).

    Exact in floating point (only exponents change), so every scale-invariant quantity (the
    rank, the normalised singular values, the stable and effective ranks) is unchanged, while
    sums of squares can no longer overflow. Returns ``(scaled, exp)``, ``exp`` an integer array
    of shape ``(..., 1, 1)`` with ``a == scaled * 2**exp``; zero matrices get ``exp = 0``.
    """
    no_scaling = xp.zeros((*a.shape[:-2], 1, 1), dtype=xp.int32, device=device_of(a))
    if a.shape[-1] == 0 or a.shape[-2] == 0:
        return a, no_scaling
    biggest = _max_abs(xp, a)
    # Fourth powers of entries in [2**(emin/4), 2**(emax/4)] cannot overflow or underflow, nor
    # can sums of them (tr(A A^T)^2 <= (m n)^2 max|a|^4) once the upper end is divided by
    # sqrt(m n): then the batch is left as it is, without a copy (the common case).
    half_log_size = (max(a.shape[-1] * a.shape[-2], 1) - 1).bit_length() // 2 + 1
    hi, lo = (32, -31) if _dtype_name(a.dtype) == "float32" else (256, -255)
    hi, lo = 2.0 ** (hi - half_log_size), 2.0**lo
    if not bool(xp.any((biggest > hi) | ((biggest < lo) & (biggest > 0)))):
        return a, no_scaling
    if is_torch(xp):
        torch = _torch()
        exp = torch.frexp(biggest)[1]
        # two steps, so that 2**(-e) stays representable even for |e| near the exponent range
        half = torch.div(exp, 2, rounding_mode="floor")
        return torch.ldexp(torch.ldexp(a, -half), -(exp - half)), exp
    exp = np.frexp(biggest)[1]
    return np.ldexp(a, -exp), exp


def pow2_unscale(xp: Any, x: Any, exp: Any) -> Any:
    """``x * 2**exp`` computed in float64 (the factor may not fit float32), cast back."""
    if is_torch(xp):
        torch = _torch()
        return torch.ldexp(x.to(torch.float64), exp).to(x.dtype)
    return np.ldexp(np.asarray(x, dtype=np.float64), exp).astype(x.dtype)


def check_representable(xp: Any, x: Any, what: str, a: Any) -> Any:
    """Raise if a result overflowed the dtype: never return an infinite rank ingredient."""
    if not bool(xp.all(xp.isfinite(x))):
        raise KernelInputError(
            f"the {what} of a matrix with entries up to {float(xp.max(xp.abs(a))):.3g} overflow "
            f"{_dtype_name(a.dtype)}; rescale the input or use float64"
        )
    return x
