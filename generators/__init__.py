"""Hypothesis strategies for matrices, networks, datasets and noise.

Every strategy draws structure (shapes, ranks, integers, singular values) with Hypothesis, so
examples shrink toward small, simple cases, and continuous values (orthogonal factors, Gaussian
noise) from ``numpy.random.default_rng(seed)`` with a seed drawn by Hypothesis. Arguments are
checked when a strategy is built; an argument given as a strategy is checked on every value
drawn from it. Both raise :class:`hypothesis.errors.InvalidArgument` naming the argument.

==========================  ==============================================================
``matrix_shapes``           ``(m, n)`` with sides in ``[min_side, max_side]``
``matrices``                ``U diag(s) V^T``: prescribed rank, spectrum or condition number
``integer_matrices``        int64 matrices of exactly a given rank over the rationals
``smoothed``                ``base + scale * N(0, 1)``: inputs for "almost everywhere" claims
``yun_datasets``            ``X``, ``Y`` meeting Yun et al. 2018's data assumptions (ii)-(iv)
``yun_widths``              widths meeting Yun et al.'s assumption (i)
``deep_linear_networks``    weights ``[W_1, ..., W_H]`` for given widths
``gradient_noise``          Gaussian gradient noise, entrywise or one scalar per array
``gaussian_dropout_masks``  entries iid ``N(1, sigma^2)``
``bernoulli_dropout_masks`` entries iid ``Bernoulli(1 - p)``, optionally divided by ``1 - p``
``seeds``                   seeds for ``numpy.random.default_rng``
``batched``                 batches of instances: structure drawn by Hypothesis, values by a
                            ``Sampler`` from a drawn seed (``integer_matrix_batch``, ...)
``graph_networks``          specs of Galanti & Poggio's DAG networks (Eq. 3-5), built by
                            ``build_network`` into a PyTorch ``GraphNetwork``
``mlp_spec``                MLP-L-H / MLP-BN-L-H specs; ``resnet_spec``: RES-(BN-)L-H
``labelled_inputs``         training sets for a loss (collinear or not)
``bn_chain``                Daneshmand et al.'s batch-normalised chain, batched over runs;
                            ``vanilla_chain``, ``weight_laws``, ``bn_chain_settings``, ...
``piecewise_problems``      Soudry & Carmon's networks, dropout-like noise and data;
                            ``differentiable_local_minima``, ``train_to_dlm``, ...
==========================  ==============================================================
"""

from rankclaims.generators._batch import (
    BATCH_SIZES,
    Batch,
    Sampler,
    batched,
    integer_matrix_batch,
)
from rankclaims.generators._bn_chain import (
    WEIGHT_LAWS,
    WeightLaw,
    batch_norm,
    bn_chain,
    bn_chain_settings,
    bn_states,
    correlation_matrices,
    full_rank_inputs,
    nearly_collinear_inputs,
    second_moment,
    vanilla_chain,
    weight_law,
    weight_laws,
)
from rankclaims.generators._data import yun_datasets, yun_widths
from rankclaims.generators._graphnets import (
    GraphNetwork,
    batch_gradients,
    build_network,
    graph_networks,
    labelled_inputs,
    mlp_spec,
    output_gradient,
    resnet_spec,
)
from rankclaims.generators._integer import integer_entry_bound, integer_matrices
from rankclaims.generators._matrices import matrices, matrix_shapes
from rankclaims.generators._networks import deep_linear_networks
from rankclaims.generators._noise import (
    bernoulli_dropout_masks,
    gaussian_dropout_masks,
    gradient_noise,
    smoothed,
)
from rankclaims.generators._piecewise import (
    DLMResult,
    activation_patterns,
    activation_slopes,
    all_activation_patterns,
    differentiable_local_minima,
    dropout_noise,
    leaky_slopes,
    piecewise_forward,
    piecewise_linear_networks,
    piecewise_problems,
    smoothed_datasets,
    train_to_dlm,
)
from rankclaims.generators._random import seeds

__all__ = [
    "BATCH_SIZES",
    "WEIGHT_LAWS",
    "Batch",
    "DLMResult",
    "GraphNetwork",
    "Sampler",
    "WeightLaw",
    "activation_patterns",
    "activation_slopes",
    "all_activation_patterns",
    "batch_gradients",
    "batch_norm",
    "batched",
    "bernoulli_dropout_masks",
    "bn_chain",
    "bn_chain_settings",
    "bn_states",
    "build_network",
    "correlation_matrices",
    "deep_linear_networks",
    "differentiable_local_minima",
    "dropout_noise",
    "full_rank_inputs",
    "gaussian_dropout_masks",
    "gradient_noise",
    "graph_networks",
    "integer_entry_bound",
    "integer_matrices",
    "integer_matrix_batch",
    "labelled_inputs",
    "leaky_slopes",
    "matrices",
    "matrix_shapes",
    "mlp_spec",
    "nearly_collinear_inputs",
    "output_gradient",
    "piecewise_forward",
    "piecewise_linear_networks",
    "piecewise_problems",
    "resnet_spec",
    "second_moment",
    "seeds",
    "smoothed",
    "smoothed_datasets",
    "train_to_dlm",
    "vanilla_chain",
    "weight_law",
    "weight_laws",
    "yun_datasets",
    "yun_widths",
]
