"""vyapari.live."""
