"""Shared pieces of the handlers: settings, Powertools set-up, AWS implementations of sdk ports."""
