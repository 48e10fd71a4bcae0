"""Pre-open readiness check (scheduled at 08:45 IST on weekdays)."""
