"""vyapari.data."""
