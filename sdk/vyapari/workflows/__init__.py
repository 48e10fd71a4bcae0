"""vyapari.workflows."""
