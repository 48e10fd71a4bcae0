"""vyapari.evaluation."""
