"""Shared fixtures: every kernel test runs on every backend through the ``xp`` fixture."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import settings

# The tests' own Hypothesis searches are derandomized by default, so CI never flakes on a
# draw it had not seen before: the same examples every run ("repeatable"). For a random
# search (new examples each run, failures kept in .hypothesis/) pass
# `--hypothesis-profile explore`; the fuzz tests also scale with $RANKCLAIMS_PROFILE.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("repeatable")

BACKENDS = ["numpy", "torch-cpu", "torch-cuda"]


def pytest_ignore_collect(collection_path, config):
    # The benchmarks run only when asked for: `pytest tests/benchmarks --benchmark-only`.
    if "benchmarks" in collection_path.parts and not config.getoption("benchmark_only"):
        return True
    return None


class Backend:
    """Puts NumPy data on one backend and brings results back to NumPy for comparison."""

    def __init__(self, name: str):
        self.name = name
        self.device = "cuda" if name == "torch-cuda" else "cpu"

    def asarray(self, a):
        a = np.asarray(a)
        if self.name == "numpy":
            return a
        return torch.as_tensor(a, device=self.device)

    @staticmethod
    def to_numpy(x):
        if isinstance(x, torch.Tensor):
            return x.detach().cpu().numpy()
        return np.asarray(x)

    def is_native(self, x) -> bool:
        """Whether ``x`` is in this backend's library and on its device."""
        if self.name == "numpy":
            return isinstance(x, (np.ndarray, np.generic))
        return isinstance(x, torch.Tensor) and x.device.type == self.device

    def __repr__(self) -> str:
        return self.name


@pytest.fixture(params=BACKENDS)
def xp(request) -> Backend:
    if request.param == "torch-cuda" and not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    return Backend(request.param)
