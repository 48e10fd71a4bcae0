"""vyapari.strategy."""
