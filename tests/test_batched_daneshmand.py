"""Daneshmand et al. 2020's batched claims: every instance of a batch has the outcome it has
alone (the property of ``tests/test_batched.py``, per converted claim), and the builders keep
the unbatched generators' structure."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims import claims_of, get_claim
from rankclaims.claims._batched import outcome_alone

claims_of(None)

CONVERTED = [
    "daneshmand2020/lemma-1-part-1",
    "daneshmand2020/lemma-1-part-1-corrected",
    "daneshmand2020/lemma-1-part-2",
    "daneshmand2020/lemma-5",
    "daneshmand2020/lemma-5-corrected",
    "daneshmand2020/proposition-8",
    "daneshmand2020/proposition-8-corrected",
    "daneshmand2020/example-11",
    "daneshmand2020/lemma-16",
    "daneshmand2020/proposition-19",
    "daneshmand2020/proposition-19-corrected",
]


def test_the_converted_claims_are_batched() -> None:
    batched = {c.id for c in claims_of("daneshmand2020") if c.batched}
    assert set(CONVERTED) <= batched


def test_known_counterexamples_still_failoutcome_alone() -> None:
    for cid in ("daneshmand2020/lemma-1-part-1", "daneshmand2020/lemma-5"):
        c = get_claim(cid)
        for cex in c.counterexamples:
            assert outcome_alone(c, dict(cex)) == "failed", cid


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 5), kind=st.sampled_from(
    ["gaussian", "low-rank", "nearly-collinear", "repeated-rows", "signs"]
))  # fmt: skip
def test_batched_bn_states_lie_in_script_h(seed: int, d: int, kind: str) -> None:
    from rankclaims.claims.daneshmand2020 import _bn_state_batch

    h = _bn_state_batch(gen.Sampler(seed, 5), d, d + 1, kind, min(d, 2), 1e-3)
    assert h.shape == (5, d, d + 1)
    np.testing.assert_allclose((h * h).mean(axis=-1), 1.0)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 6),
    kind=st.sampled_from(["compound", "blocks", "circulant"]),
    data=st.data(),
)
def test_batched_correlations_have_unit_diagonal_and_equal_rows(seed, d, kind, data) -> None:
    from rankclaims.claims.daneshmand2020 import _correlation_batch

    block = data.draw(st.sampled_from([k for k in range(1, d + 1) if d % k == 0]))
    m = _correlation_batch(gen.Sampler(seed, 4), d, kind, block)
    assert m.shape == (4, d, d)
    np.testing.assert_allclose(np.diagonal(m, axis1=-2, axis2=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(m, np.swapaxes(m, -1, -2), atol=1e-12)
    rows = (m * m).sum(axis=-1)
    np.testing.assert_allclose(rows, np.broadcast_to(rows[:, :1], rows.shape), rtol=1e-10)
    assert np.linalg.eigvalsh(m).min() > -1e-9


def test_chain_states_match_bn_chain() -> None:
    """The batched chain is bn_chain's: the same weights from the same seed per instance."""
    from rankclaims.claims.daneshmand2020 import _chain_states

    x = np.random.default_rng(1).standard_normal((3, 4, 4))
    seeds = np.array([5, 6, 7])
    stacked = _chain_states(x, 0.5, "uniform", 6, seeds)
    for i, s in enumerate(seeds):
        alone = _chain_states(x[i], 0.5, "uniform", 6, int(s))
        np.testing.assert_array_equal(stacked[i], alone)
        h = gen.bn_chain(x[i], gamma=0.5, depth=6, law="uniform", seed=int(s))
        np.testing.assert_allclose(alone[-1], h[0], rtol=1e-12, atol=1e-12)
