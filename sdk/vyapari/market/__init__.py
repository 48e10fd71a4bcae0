"""vyapari.market."""
