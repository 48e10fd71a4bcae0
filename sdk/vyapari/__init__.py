"""vyapari: an algorithmic-trading platform for Indian equity markets (NSE and BSE).

The package is pure: it never talks to AWS or reads settings outside ``vyapari.cli``.
See README.md for the two commands and docs on the layers.
"""

__version__ = "0.1.0"
