"""vyapari.costs."""
