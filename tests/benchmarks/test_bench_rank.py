"""``rankclaims.kernels.matrix_rank`` against NumPy's and PyTorch's, on batches of half rank.

One benchmark group per workload and device, so pytest-benchmark's table shows the contenders
side by side; ``python tests/benchmarks/ratios.py bench.json`` prints their ratios. Each
benchmark also checks that the contender's decisions equal NumPy's (all ``n/2``): a
correctness check, never a timing assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rankclaims.kernels import matrix_rank

# (batch, n): batches of n x n float64 matrices of rank n/2. 8 to 64 are the batched
# small-matrix workloads.
SIZES = [(20_000, 8), (10_000, 16), (5_000, 32), (1_000, 64), (200, 128), (4, 1024)]
# Timed rounds per size (one call per round), after one untimed warm-up round. Chosen so that
# each benchmark runs for a few seconds at most on a 2-core machine; medians are reported.
ROUNDS = {8: 15, 16: 15, 32: 11, 64: 11, 128: 11, 1024: 5}

CPU_CONTENDERS = ["rankclaims", "numpy", "torch"]
# On CUDA, NumPy on the CPU is timed in the same group: the GPU targets are ratios to it.
CUDA_CONTENDERS = ["rankclaims", "numpy", "torch"]

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")


def _ids(size: tuple[int, int]) -> str:
    batch, n = size
    return f"{batch}x{n}x{n}"


def _check(ranks, reference: np.ndarray, n: int) -> None:
    ranks = ranks.cpu().numpy() if isinstance(ranks, torch.Tensor) else np.asarray(ranks)
    assert ranks.shape == reference.shape
    assert np.array_equal(ranks, reference), "decisions differ from numpy.linalg.matrix_rank"
    assert np.all(reference == n // 2), "the workload is not of half rank"


@pytest.mark.parametrize("contender", CPU_CONTENDERS)
@pytest.mark.parametrize("size", SIZES, ids=_ids)
def test_matrix_rank_cpu(benchmark, half_rank_batch, size, contender):
    batch, n = size
    a, reference = half_rank_batch(batch, n)
    if contender == "rankclaims":
        args, fn = (a,), matrix_rank
    elif contender == "numpy":
        args, fn = (a,), np.linalg.matrix_rank
    else:
        args, fn = (torch.from_numpy(a),), torch.linalg.matrix_rank
    benchmark.group = f"matrix_rank cpu {_ids(size)}"
    benchmark.extra_info.update(contender=contender, device="cpu", batch=batch, n=n)
    ranks = benchmark.pedantic(fn, args=args, rounds=ROUNDS[n], iterations=1, warmup_rounds=1)
    _check(ranks, reference, n)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("contender", CUDA_CONTENDERS)
@pytest.mark.parametrize("size", SIZES, ids=_ids)
def test_matrix_rank_cuda(benchmark, half_rank_batch, size, contender):
    batch, n = size
    a, reference = half_rank_batch(batch, n)
    if contender == "numpy":  # the CPU reference, in the CUDA group for its ratio
        benchmark.group = f"matrix_rank cuda {_ids(size)}"
        benchmark.extra_info.update(contender=contender, device="cpu", batch=batch, n=n)
        ranks = benchmark.pedantic(
            np.linalg.matrix_rank, args=(a,), rounds=ROUNDS[n], iterations=1, warmup_rounds=1
        )
        _check(ranks, reference, n)
        return
    t = torch.from_numpy(a).to("cuda")
    torch.cuda.synchronize()
    rank_fn = matrix_rank if contender == "rankclaims" else torch.linalg.matrix_rank

    def run(x):
        out = rank_fn(x)
        torch.cuda.synchronize()  # the work is done when the device is, not at the launch
        return out

    benchmark.group = f"matrix_rank cuda {_ids(size)}"
    benchmark.extra_info.update(
        contender=contender, device=torch.cuda.get_device_name(), batch=batch, n=n
    )
    ranks = benchmark.pedantic(run, args=(t,), rounds=ROUNDS[n], iterations=1, warmup_rounds=2)
    assert ranks.device.type == "cuda"
    _check(ranks, reference, n)
