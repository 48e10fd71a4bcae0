"""Reusable constructs: one Python Lambda, one ASL state machine, the function code asset and layers."""
