"""The live trading service's container entrypoint: ``python -m functions.live_service live ...``."""
