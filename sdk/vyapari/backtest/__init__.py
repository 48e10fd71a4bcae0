"""The backtest engine: an event loop for per-bar strategies, an array kernel for vectorised
ones, with one semantics (same trades, same equity to the paisa).

Entry point: :func:`vyapari.backtest.engine.run_backtest`.
"""
