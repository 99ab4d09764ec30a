"""Argument checks shared by the strategies: each raises ``InvalidArgument`` naming the argument.

A plain argument is checked when the strategy is built (:func:`prepare`); an argument given as a
Hypothesis strategy is checked on every value drawn from it (:func:`resolve`), with the same
message plus the strategy it came from.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = [
    "check_array",
    "check_choice",
    "check_dtype",
    "check_integer",
    "check_matrix_shape",
    "check_rank",
    "check_real",
    "check_shape",
    "is_strategy",
    "prepare",
    "resolve",
]

T = TypeVar("T")


def is_strategy(value: Any) -> bool:
    """Whether ``value`` is a Hypothesis strategy (drawn from, not used as is)."""
    return isinstance(value, st.SearchStrategy)


def prepare(value: Any, check: Callable[[Any], T]) -> T | st.SearchStrategy[Any]:
    """A plain value checked now, or a strategy kept as is (its draws are checked later)."""
    if is_strategy(value):
        return value
    return check(value)


def resolve(draw: Callable[[st.SearchStrategy[Any]], Any], value: Any, check: Callable[[Any], T]):
    """The value itself (already checked by :func:`prepare`), or a checked draw from it."""
    if not is_strategy(value):
        return value
    drawn = draw(value)
    try:
        return check(drawn)
    except InvalidArgument as err:
        raise InvalidArgument(f"{err} (drawn from the strategy {value!r})") from None


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_integer(
    value: Any, name: str, *, min_value: int | None = None, max_value: int | None = None
) -> int:
    """A Python or NumPy integer (not a bool) within the bounds, as a Python int."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(f"{name}={value!r} must be an integer, not {type(value).__name__}")
    value = int(value)
    if min_value is not None and value < min_value:
        raise InvalidArgument(f"{name}={value} must be >= {min_value}")
    if max_value is not None and value > max_value:
        raise InvalidArgument(f"{name}={value} must be <= {max_value}")
    return value


def check_real(
    value: Any,
    name: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    exclude_min: bool = False,
    exclude_max: bool = False,
) -> float:
    """A finite real number (not a bool) within the bounds, as a Python float."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise InvalidArgument(f"{name}={value!r} must be a real number, not {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidArgument(f"{name}={value!r} must be finite")
    if min_value is not None and (value <= min_value if exclude_min else value < min_value):
        op = ">" if exclude_min else ">="
        raise InvalidArgument(f"{name}={value!r} must be {op} {min_value}")
    if max_value is not None and (value >= max_value if exclude_max else value > max_value):
        op = "<" if exclude_max else "<="
        raise InvalidArgument(f"{name}={value!r} must be {op} {max_value}")
    return value


def check_shape(
    value: Any, name: str, *, ndim: int | None = None, min_side: int = 0
) -> tuple[int, ...]:
    """A tuple (or list) of integer sides >= ``min_side``, of length ``ndim`` when given."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidArgument(f"{name}={value!r} must be a tuple of integers")
    sides = tuple(value)
    if ndim is not None and len(sides) != ndim:
        what = " (a matrix shape (m, n))" if ndim == 2 else ""
        raise InvalidArgument(f"{name}={value!r} must have {ndim} sides{what}, not {len(sides)}")
    for side in sides:
        if _is_bool(side) or not isinstance(side, numbers.Integral):
            raise InvalidArgument(f"{name}={value!r} must be a tuple of integers; {side!r} is not")
        if side < min_side:
            raise InvalidArgument(f"{name}={value!r} has a side {side} < {min_side}")
    return tuple(int(side) for side in sides)


def check_matrix_shape(value: Any, name: str = "shape") -> tuple[int, int]:
    """A matrix shape ``(m, n)`` with sides >= 1."""
    return check_shape(value, name, ndim=2, min_side=1)  # type: ignore[return-value]


def check_rank(value: Any, name: str = "rank") -> int | None:
    """``None`` or an integer >= 0 (compared with the shape by the caller)."""
    return None if value is None else check_integer(value, name, min_value=0)


def check_dtype(value: Any, name: str, allowed: Iterable[Any]) -> np.dtype:
    """A NumPy dtype (given as a type, a name or a dtype) among ``allowed``."""
    allowed = tuple(np.dtype(a) for a in allowed)
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in allowed:
        names = ", ".join(a.name for a in allowed)
        shown = dtype.name if dtype is not None else repr(value)
        raise InvalidArgument(f"{name}={shown} must be one of {names}")
    return dtype


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of a few strings."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgument(f"{name}={value!r} must be one of {', '.join(map(repr, choices))}")
    return value


def check_array(value: Any, name: str) -> np.ndarray:
    """A finite real array (integer, boolean or float), as a NumPy array."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise InvalidArgument(f"{name} must be a real array: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise InvalidArgument(f"{name} must be a real array, not dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InvalidArgument(f"{name} (shape {arr.shape}) has {bad} NaN or infinite entries")
    return arr
