"""rankclaims: the rank statements of ML-theory papers as executable, property-tested claims.

The repository's top-level folders are installed as subpackages of this one:

- ``rankclaims.kernels``    (folder ``kernels/``)    certified rank and Khatri-Rao kernels
- ``rankclaims.generators`` (folder ``generators/``) Hypothesis strategies
- ``rankclaims.claims``     (folder ``claims/``)     one module per paper
- ``rankclaims.reports``    (folder ``reports/``)    report model, writers, pytest plugin, CLI
"""

from rankclaims._version import __version__

__all__ = ["__version__"]
