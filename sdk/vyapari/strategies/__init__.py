"""vyapari.strategies."""
