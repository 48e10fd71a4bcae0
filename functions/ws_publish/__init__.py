"""WebSocket API Lambda (see handler.py)."""
