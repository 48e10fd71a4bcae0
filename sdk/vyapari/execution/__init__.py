"""The simulated exchange, shared by the backtest and the paper broker.

:mod:`.exchange` holds :class:`~.exchange.SimulatedExchange`: resting orders, matching, the fill
rules, netted charges and booking, driven by the backtest's event loop and wrapped by the paper
broker. Its parts: :mod:`.matching` decides whether and at what price an order fills against a
bar; :mod:`.pricing` applies slippage, rounds to the paisa and caps fills by volume;
:mod:`.limits` holds the 15:20 square-off, leverage and no-delivery-short rules; :mod:`.rules`
the volume cap in lots, the no-short cut and the bisected buying-power cut; :mod:`.marks` the
per-instrument float marks and positions the buying-power check reads.
"""
