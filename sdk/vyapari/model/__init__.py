"""The domain model: enums, instruments, orders, fills, positions and the portfolio ledger."""
