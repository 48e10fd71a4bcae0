"""The REST API Lambda: one Powertools resolver for every route."""
