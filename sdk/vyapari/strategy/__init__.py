"""The strategy SDK: data feeds, signals, risk sizers, execution models and the Strategy.

A strategy written against this package runs unchanged in the backtest engine, on the
paper broker and live; it never imports an engine or a broker.
"""
