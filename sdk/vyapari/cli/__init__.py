"""The ``vyapari`` command line: one CLI for everything the platform does locally."""
