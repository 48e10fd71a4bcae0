"""vyapari.brokers."""
