"""vyapari.backtest."""
