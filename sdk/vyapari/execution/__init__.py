"""The simulated exchange's fill rules, shared by the backtest and the paper broker.

:mod:`.matching` decides whether and at what price an order fills against a bar;
:mod:`.pricing` applies slippage, rounds to the paisa and caps fills by volume; :mod:`.limits`
holds the 15:20 square-off, leverage and no-delivery-short rules; :mod:`.rules` applies the
volume cap in lots, the no-short cut and the lot-by-lot buying-power cut. Both the backtest
(kernel and event loop) and the paper broker import them from here, so paper trading fills
exactly as a backtest does.
"""
