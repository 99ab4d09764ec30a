"""Batches of independent instances: Hypothesis draws the structure, a seed the values.

A batched claim's example is a :class:`Batch`: ``size`` instances of one structure (the
shapes, ranks and other discrete choices, drawn by Hypothesis, so they shrink), whose
continuous parts come from a :class:`Sampler` seeded by a drawn seed. The arrays of a batch
are stacked along a leading axis, so the check decides every instance with one kernel call
(:class:`rankclaims.claims.BatchCheck`); an instance that fails is taken out of the batch
(:meth:`Batch.instance`) and re-checked, certified and reported alone, like the example of
an unbatched claim.

Instance ``i`` does not depend on the batch size: every array a :class:`Sampler` draws
comes from its own stream (the seed and the draw's position), and instance ``i`` takes the
``i``-th block of it. So when Hypothesis shrinks a failing batch to fewer instances, the
failing instance stays what it was, and the search shrinks toward one instance of the
smallest structure that fails.

``--device cuda`` (:data:`batch_device`): the sampler draws on the GPU with PyTorch's
generator and the arrays are tensors there; the kernels then decide on the GPU. The values
differ from the CPU's (another generator): a seed replays on the device it was found on, and
the counterexample in the report, an instance, is plain NumPy data that replays anywhere.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = [
    "BATCH_SIZES",
    "Batch",
    "Sampler",
    "batch_device",
    "batch_profile",
    "batched",
    "integer_matrix_batch",
]

#: the largest batch an example draws, per profile (Hypothesis draws the size in [1, max],
#: so shrinking reaches one instance). ``quick`` keeps examples cheap; ``default`` checks
#: many instances per example.
BATCH_SIZES: dict[str, int] = {"quick": 16, "default": 128, "thorough": 512}

#: where a batch is drawn: "cpu" (NumPy), "cuda" (PyTorch on the GPU), "torch:cpu" (PyTorch
#: on the CPU: the GPU's code path, for tests on machines without one)
DEVICES = ("cpu", "cuda", "torch:cpu")
#: the device a batch is drawn on; set by the runner (``--device``)
batch_device: contextvars.ContextVar[str] = contextvars.ContextVar("batch_device", default="cpu")
#: the profile being run (sets the batch size); set by the runner
batch_profile: contextvars.ContextVar[str] = contextvars.ContextVar(
    "batch_profile", default="quick"
)


class Sampler:
    """Continuous values for a batch of ``size`` instances, one stream per draw.

    Each call draws ``(size, *shape)`` values from a generator seeded with ``(seed, k)``
    (``k``: how many draws came before), so instance ``i``'s values do not depend on
    ``size``. On ``device="cuda"`` the values are float64/int64 tensors drawn on the GPU.
    """

    def __init__(self, seed: int, size: int, device: str = "cpu") -> None:
        if size < 1:
            raise InvalidArgument(f"a batch needs at least one instance; got size={size}")
        if device not in DEVICES:
            raise InvalidArgument(f"device={device!r} must be one of {DEVICES}")
        self.seed = int(seed)
        self.size = int(size)
        self.device = device
        self._draws = 0

    @property
    def torch(self) -> bool:
        """The values are PyTorch tensors (``device`` is ``cuda`` or ``torch:cpu``)."""
        return self.device != "cpu"

    @property
    def torch_device(self) -> str:
        return "cpu" if self.device == "torch:cpu" else self.device

    def asarray(self, x: Any) -> Any:
        """``x`` (a structure value: an array drawn by Hypothesis) as the sampler's arrays
        are: NumPy, or a float64/int64 tensor on the device."""
        if not self.torch:
            return np.asarray(x)
        import torch

        return torch.as_tensor(np.asarray(x), device=self.torch_device)

    def _numpy(self) -> np.random.Generator:
        self._draws += 1
        return np.random.default_rng([self.seed, self._draws])

    def _torch(self) -> Any:
        import torch

        self._draws += 1
        g = torch.Generator(device=self.torch_device)
        g.manual_seed((self.seed * 1_000_003 + self._draws) % (2**63 - 1))
        return g

    def normal(self, *shape: int, scale: float = 1.0) -> Any:
        """i.i.d. N(0, scale²), shape ``(size, *shape)``."""
        if not self.torch:
            return self._numpy().normal(0.0, scale, (self.size, *shape))
        import torch

        g = self._torch()
        out = torch.randn(
            (self.size, *shape), generator=g, dtype=torch.float64, device=self.torch_device
        )
        return out * scale

    def uniform(self, low: float, high: float, *shape: int) -> Any:
        """i.i.d. uniform on ``[low, high)``, shape ``(size, *shape)``."""
        if not self.torch:
            return self._numpy().uniform(low, high, (self.size, *shape))
        import torch

        g = self._torch()
        u = torch.rand(
            (self.size, *shape), generator=g, dtype=torch.float64, device=self.torch_device
        )
        return low + (high - low) * u

    def integers(self, low: int, high: int, *shape: int) -> Any:
        """i.i.d. integers in ``[low, high]`` (both ends included), int64."""
        if not self.torch:
            return self._numpy().integers(low, high, (self.size, *shape), endpoint=True)
        import torch

        g = self._torch()
        return torch.randint(
            low,
            high + 1,
            (self.size, *shape),
            generator=g,
            dtype=torch.int64,
            device=self.torch_device,
        )

    def permutations(self, n: int) -> Any:
        """A uniformly random permutation of ``range(n)`` per instance, shape ``(size, n)``."""
        keys = self.uniform(0.0, 1.0, n)
        if not self.torch:
            return np.argsort(keys, axis=-1, kind="stable")
        return keys.argsort(dim=-1, stable=True)


@dataclass
class Batch:
    """``size`` instances: ``stacked`` arrays carry them along axis 0, ``shared`` values
    (the structure) are common to all. ``seed`` and ``device`` say how the values were
    drawn."""

    shared: dict[str, Any]
    stacked: dict[str, Any]
    size: int
    seed: int
    device: str = "cpu"

    def __post_init__(self) -> None:
        clash = set(self.shared) & set(self.stacked)
        if clash:
            raise InvalidArgument(f"batch inputs both shared and stacked: {sorted(clash)}")
        for k, v in self.stacked.items():
            if tuple(v.shape[:1]) != (self.size,):
                raise InvalidArgument(
                    f"stacked input {k!r} has shape {tuple(v.shape)}; its leading axis must "
                    f"be the batch size {self.size}"
                )

    def inputs(self) -> dict[str, Any]:
        """The check's keyword arguments: every instance at once."""
        return {**self.shared, **self.stacked}

    def instance(self, i: int) -> dict[str, Any]:
        """Instance ``i`` alone, as plain NumPy data (a tensor is copied to the CPU): the
        inputs an unbatched example of the claim would have."""
        if not 0 <= i < self.size:
            raise IndexError(f"instance {i} of a batch of {self.size}")
        out = dict(self.shared)
        for k, v in self.stacked.items():
            x = v[i]
            x = np.asarray(x) if isinstance(v, np.ndarray) else x.detach().cpu().numpy()
            # one number per instance is a Python scalar, as an unbatched example has it
            out[k] = x.item() if x.ndim == 0 else np.array(x)
        # keys in the order the check names them: shared first, as a builder returns them
        return out

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        shapes = {k: tuple(v.shape[1:]) for k, v in self.stacked.items()}
        return (
            f"Batch(size={self.size}, seed={self.seed}, device={self.device!r}, "
            f"shared={self.shared!r}, instance shapes={shapes})"
        )


def batched(
    structure: st.SearchStrategy[Mapping[str, Any]],
    build: Callable[..., Mapping[str, Any]],
    *,
    keep: Iterable[str] | None = None,
    max_size: int | Mapping[str, int] | None = None,
    gpu: bool = False,
) -> st.SearchStrategy[Batch]:
    """A strategy of :class:`Batch` es: ``structure`` draws the shared values (a dict),
    then ``build(sampler, **shared)`` returns the stacked arrays (a dict of arrays with the
    batch axis first), drawn from ``sampler``. The batch size is drawn in
    ``[1, max_size]`` (default: :data:`BATCH_SIZES` of the profile being run).

    Everything ``build`` needs that Hypothesis should shrink (dimensions, ranks, which
    construction) belongs in ``structure``; ``build`` only draws continuous values and
    arranges them. It may return shared values too, under names ``structure`` did not use
    (as a ``"shared"`` sub-dict). ``keep``: the shared values the check receives (default:
    all); the others (dimensions, say, which the arrays' shapes carry) only feed ``build``.

    The batch size: half the examples take the profile's largest, the others a size drawn in
    ``[1, largest]`` (which is what shrinking reduces, toward one instance).

    ``gpu=True`` says ``build`` and the claim's check work on PyTorch tensors as well (the
    sampler's arrays with ``--device cuda``: only ``@``, arithmetic, comparisons,
    ``sampler.asarray`` for structure arrays, no NumPy functions on the values); without
    it, ``--device cuda`` runs the claim on the CPU and says so.

    Do not ``.map`` the result: the claim recognises a batched strategy by what this
    returns.
    """
    kept = None if keep is None else tuple(keep)
    if isinstance(max_size, Mapping):
        sizes = dict(max_size)
    elif max_size is not None:
        if int(max_size) < 1:
            raise InvalidArgument(f"max_size={max_size} must be >= 1")
        sizes = dict.fromkeys(BATCH_SIZES, int(max_size))
    else:
        sizes = dict(BATCH_SIZES)

    @st.composite
    def draw_batch(draw: st.DrawFn) -> Batch:
        shared = dict(draw(structure))
        top = sizes.get(batch_profile.get(), max(sizes.values()))
        top = max(1, int(top))
        # False first: shrinking prefers it, and then shrinks the drawn size toward 1
        size = top if draw(st.booleans()) else draw(st.integers(1, top))
        seed = draw(st.integers(0, 2**32 - 1))
        device = batch_device.get() if gpu else "cpu"
        built = dict(build(Sampler(seed, size, device), **shared))
        extra = built.pop("shared", {})
        shared = {**shared, **extra}
        if kept is not None:
            shared = {k: v for k, v in shared.items() if k in kept}
        return Batch(shared, built, size, seed, device)

    strategy = draw_batch()
    strategy.rankclaims_batched = True  # read by Claim.batched
    strategy.rankclaims_gpu = bool(gpu)  # read by the runner
    return strategy


def integer_matrix_batch(
    sampler: Sampler, shape: tuple[int, int], rank: int, max_value: int = 2
) -> Any:
    """int64 matrices of shape ``shape`` and rank exactly ``rank`` over the rationals, one
    per instance: the construction of :func:`integer_matrices` (``L P [[I, D], [C, CD]] Q
    R`` with unit lower-triangular ``L``, ``R`` and permutations ``P``, ``Q``), its entries
    drawn by the sampler in ``[-max_value, max_value]``. On a PyTorch sampler the same
    integers come as float64 tensors (exact)."""
    m, n = shape
    r = int(rank)
    if not 0 <= r <= min(m, n):
        raise InvalidArgument(f"rank={r} must be in [0, min(shape)={min(m, n)}]")
    k = int(max_value)
    torch_mode = sampler.torch
    if torch_mode:
        import torch

        dev = sampler.torch_device
        xp_zeros = lambda *s: torch.zeros(s, dtype=torch.int64, device=dev)  # noqa: E731
        eye = lambda d: torch.eye(d, dtype=torch.int64, device=dev)  # noqa: E731
    else:
        xp_zeros = lambda *s: np.zeros(s, dtype=np.int64)  # noqa: E731
        eye = lambda d: np.eye(d, dtype=np.int64)  # noqa: E731
    b = sampler.size
    c = sampler.integers(-k, k, m - r, r)
    d = sampler.integers(-k, k, r, n - r)
    core = xp_zeros(b, m, n)
    core[:, :r, :r] = eye(r)
    core[:, :r, r:] = d
    core[:, r:, :r] = c
    core[:, r:, r:] = c @ d
    p = sampler.permutations(m)
    q = sampler.permutations(n)
    rows = p[:, :, None] if not torch_mode else p[:, :, None].expand(b, m, n)
    if torch_mode:
        core = torch.gather(core, 1, rows)
        core = torch.gather(core, 2, q[:, None, :].expand(b, m, n))
    else:
        core = np.take_along_axis(core, rows, axis=1)
        core = np.take_along_axis(core, q[:, None, :], axis=2)
    left = _unit_lower(sampler, m, k, xp_zeros, eye)
    right = _unit_lower(sampler, n, k, xp_zeros, eye)
    if torch_mode:
        # CUDA has no int64 matrix product; the integers (far below 2**53) stay exact
        return left.double() @ core.double() @ right.double()
    return left @ core @ right


def _unit_lower(sampler: Sampler, n: int, k: int, zeros: Any, eye: Any) -> Any:
    out = zeros(sampler.size, n, n) + eye(n)
    rows, cols = np.tril_indices(n, -1)
    if sampler.torch:
        import torch

        rows, cols = torch.as_tensor(rows), torch.as_tensor(cols)
    if len(rows):
        out[:, rows, cols] = sampler.integers(-k, k, len(rows))
    return out
