"""The research API for notebooks and scripts, re-exported from :mod:`vyapari` (lazily).

* :func:`~vyapari.research.api.run_backtest` (also ``vyapari.backtest(...)``) returns a
  :class:`~vyapari.research.run.BacktestRun`: ``trades``, ``round_trips``, ``equity``, ``orders`` and
  ``positions`` as pandas DataFrames, ``stats``, ``plot()`` and ``report()`` as plotly figures.
* :func:`~vyapari.research.api.load_bars`, :func:`~vyapari.research.api.synthetic_bars`: bar panels.
* :func:`~vyapari.research.api.evaluate`: the weekly verdict; :func:`~vyapari.research.sweeps.sweep`:
  a parameter grid with its ranking, heatmap and deflated Sharpe.
"""
