"""Batched claims: a Hypothesis example carries a batch of instances decided at once.

What must hold: a batch's instance ``i`` does not depend on the batch size (so shrinking a
failing batch keeps the failing instance); :class:`BatchCheck` gives every instance the
outcome :class:`Check` gives it alone; a failing instance is taken out, certified and
reported like an unbatched counterexample, and replays from the report; checks that cannot
run on a batch say so.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims import BatchCheck, Check, claims_of, get_claim, rank_rtol, run_claim
from rankclaims.claims._batched import outcome_alone
from rankclaims.claims._core import Violation, replace
from rankclaims.claims._runner import decode_inputs
from rankclaims.generators._batch import batch_profile
from rankclaims.kernels import exact_rank

claims_of(None)

BATCHED = [c.id for c in claims_of(None) if c.batched]


def test_some_claims_are_batched() -> None:
    assert {"sankar2018/lemma-3", "sankar2018/corollary-2", "soudry2016/fact-2"} <= set(BATCHED)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 12), more=st.integers(1, 12))
def test_instance_does_not_depend_on_batch_size(seed: int, size: int, more: int) -> None:
    def draw(n: int) -> list[np.ndarray]:
        rng = gen.Sampler(seed, n)
        return [rng.normal(2, 3), rng.integers(-2, 2, 4), rng.permutations(5)]

    small, large = draw(size), draw(size + more)
    for a, b in zip(small, large, strict=True):
        assert np.array_equal(a, b[:size])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    data=st.data(),
)
def test_integer_matrix_batch_has_exactly_the_rank(seed, shape, data) -> None:
    rank = data.draw(st.integers(0, min(shape)))
    mats = gen.integer_matrix_batch(gen.Sampler(seed, 6), shape, rank)
    assert mats.shape == (6, *shape) and mats.dtype == np.int64
    for m in mats:
        assert exact_rank(m.astype(object)) == rank


def test_batch_rejects_inconsistent_stacks() -> None:
    from hypothesis.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="leading axis must be the batch size 3"):
        gen.Batch({}, {"A": np.zeros((2, 2, 2))}, size=3, seed=0)
    with pytest.raises(InvalidArgument, match="both shared and stacked"):
        gen.Batch({"A": 1}, {"A": np.zeros((3, 2))}, size=3, seed=0)
    with pytest.raises(InvalidArgument, match="at least one instance"):
        gen.Sampler(0, 0)


def draw_batch(c, data, *, profile: str = "quick"):
    """A batch of claim ``c`` as its search on ``profile`` draws one."""
    token = batch_profile.set(profile)
    try:
        return data.draw(c.given)
    finally:
        batch_profile.reset(token)


@pytest.mark.parametrize("cid", BATCHED)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_batch_outcomes_equal_the_instances_alone(cid: str, data) -> None:
    """Every batched claim: each instance's outcome in the batch (unmet, undecided, failed,
    decided) is the one the unbatched Check gives it alone."""
    c = get_claim(cid)
    batch = draw_batch(c, data)
    bc = BatchCheck(batch.size)
    c.check(bc, **batch.inputs())
    outcomes = bc.outcomes()
    assert len(outcomes) == batch.size and "" not in outcomes
    for i in range(batch.size):
        assert outcomes[i] == outcome_alone(c, batch.instance(i)), f"instance {i}"


def test_premise_mask_counts_each_instance_once() -> None:
    bc = BatchCheck(4)
    bc.premise(np.array([True, False, True, False]), "first")
    bc.premise(np.array([True, True, False, False]), "second")
    bc.holds(np.array([False, True, True, True]), "conclusion")
    assert bc.unmet == {1: "first", 3: "first", 2: "second"}
    assert bc.failed == {0: "fails: conclusion"}
    assert not bc.alive.any()


def test_batched_condition_of_the_wrong_shape_is_an_error() -> None:
    bc = BatchCheck(3)
    with pytest.raises(ValueError, match=r"shape \(3,\).*got \(2,\)"):
        bc.holds(np.array([True, False]), "conclusion")


def test_unbatchable_methods_say_so() -> None:
    bc = BatchCheck(2)
    with pytest.raises(TypeError, match="frequency_at_least cannot run on a batch"):
        bc.frequency_at_least(1, 2, 0.5, "p")
    with pytest.raises(TypeError, match="mean_close cannot run on a batch"):
        bc.mean_close(np.zeros(3), 0.0, "m")


def test_dead_instances_do_not_stop_the_kernel() -> None:
    bc = BatchCheck(2)
    a = np.stack([np.full((2, 2), np.nan), np.eye(2)])
    bc.premise(np.array([False, True]), "finite")
    r = bc.rank(a, "rank(a)")
    assert r[1] == 2 and bc.alive.tolist() == [False, True]


def test_grey_zone_instance_is_undecided_not_failed() -> None:
    bc = BatchCheck(2)
    a = np.stack([np.diag([1.0, rank_rtol(np.float64)]), np.eye(2)])  # σ₂ at the threshold
    r = bc.rank(a, "rank(a)")
    bc.holds(r == 2, "rank 2")
    assert 0 in bc.undecided and 0 not in bc.failed and bc.alive.tolist() == [False, True]


def test_a_refutation_found_in_a_batch_is_certified_and_replays(tmp_path) -> None:
    c = replace(get_claim("sankar2018/corollary-2"), counterexamples=())
    r = run_claim(c, profile="quick", seed=0)
    assert r.verdict == "refuted" and r.certificate.startswith("exact:")
    assert r.batch_size > 1 and r.instances > r.examples / 2
    inputs = decode_inputs(r.counterexample, r.counterexample_types)
    # a single instance, not a batch: plain matrices, and it fails alone
    assert inputs["A"].ndim == 2
    with pytest.raises(Violation):
        c.check(Check(), **inputs)
    # and it is a counterexample of the paper's statement: the hypotheses hold exactly
    ra, rb = exact_rank(inputs["A"].astype(object)), exact_rank(inputs["B"].astype(object))
    k, n = inputs["k"], inputs["A"].shape[1]
    assert exact_rank(inputs["A_hat"].astype(object)) == ra + k
    assert exact_rank(inputs["B_hat"].astype(object)) == rb + k
    assert ra + rb == n - 2 * k
    json.dumps(r.to_json())  # the result is JSON-able


def test_instances_and_rate_are_reported() -> None:
    r = run_claim(get_claim("sankar2018/lemma-3"), profile="quick", seed=0)
    assert r.verdict == "holds"
    assert r.examples == 25 and r.instances > r.examples and r.batch_size > 1
    assert (
        r.premise_met
        + sum(
            int(n.split("(")[1].split("×")[0]) for n in r.notes if n.startswith("premise not met")
        )
        == r.instances
    )
    assert r.instances_per_s and r.instances_per_s > 0
    assert r.device == "cpu"
    unbatched = run_claim(get_claim("sankar2018/lemma-2"), profile="quick", seed=0)
    assert unbatched.instances == unbatched.examples and unbatched.batch_size == 1


def test_same_seed_same_batched_result() -> None:
    from rankclaims.reports.model import strip_timing

    c = get_claim("soudry2016/fact-2")
    a, b = (strip_timing(run_claim(c, profile="quick", seed=3).to_json()) for _ in range(2))
    assert a == b


def test_cuda_device_without_cuda_is_an_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    r = run_claim(get_claim("sankar2018/lemma-3"), profile="quick", device="cuda")
    assert r.verdict == "error" and "no CUDA device" in r.error


@pytest.mark.cuda
def test_batched_claim_on_cuda_matches_its_verdict() -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    for cid in ("sankar2018/lemma-3", "sankar2018/corollary-2", "soudry2016/fact-2"):
        r = run_claim(get_claim(cid), profile="quick", device="cuda")
        assert r.device == "cuda" and r.verdict == get_claim(cid).expect, cid


GPU_CLAIMS = [c.id for c in claims_of(None) if c.batched and c.given.rankclaims_gpu]


def test_gpu_claims_are_declared() -> None:
    assert {"sankar2018/lemma-3", "sankar2018/corollary-2", "soudry2016/fact-2"} <= set(GPU_CLAIMS)


@pytest.mark.parametrize("cid", GPU_CLAIMS)
def test_gpu_code_path_on_torch_cpu(cid: str) -> None:
    """``--device cuda``'s code path (PyTorch tensors from the sampler, kernels on tensors,
    instances copied back to NumPy) run on the CPU: the same verdict."""
    c = get_claim(cid)
    r = run_claim(c, profile="quick", device="torch:cpu")
    assert r.device == "torch:cpu" and r.verdict == c.expect, r.error


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_torch_batch_outcomes_equal_the_instances_alone(data) -> None:
    from rankclaims.generators._batch import batch_device

    c = get_claim("sankar2018/corollary-2")
    tokens = batch_profile.set("quick"), batch_device.set("torch:cpu")
    try:
        batch = data.draw(c.given)
    finally:
        batch_profile.reset(tokens[0])
        batch_device.reset(tokens[1])
    assert batch.device == "torch:cpu" and not isinstance(batch.stacked["A"], np.ndarray)
    bc = BatchCheck(batch.size)
    c.check(bc, **batch.inputs())
    for i, outcome in enumerate(bc.outcomes()):
        # an instance the GPU path leaves in the grey zone is not compared: the tensors'
        # SVD may round differently from NumPy's; every other outcome must agree
        if outcome != "undecided":
            assert outcome == outcome_alone(c, batch.instance(i)), f"instance {i}"


def test_a_claim_that_cannot_take_tensors_runs_on_the_cpu_and_says_so() -> None:
    r = run_claim(get_claim("sankar2018/theorem-1"), profile="quick", device="torch:cpu")
    assert r.device == "cpu" and r.verdict == "holds"
    assert any("runs on the CPU" in n for n in r.notes)


def test_float_entries_simplify_to_integers_not_to_tiny_halves() -> None:
    from rankclaims.claims._runner import _simpler

    assert _simpler(np.float64(6.0)) == [0.0, 3.0]
    assert _simpler(np.float64(1.0)) == [0.0]
    assert _simpler(np.float64(0.3)) == [0.0, 0.0]
    assert _simpler(np.int64(-5)) == [0, -2]
    assert _simpler(0) == []
