"""Hypothesis strategies for matrices, networks, datasets and noise (issue: claims framework).

Empty for now: the foundation ships the kernels; the strategies arrive with the claims
framework, which is their first user.
"""
