"""AWS Lambda handlers and their shared AWS adapters (thin; the domain lives in the sdk)."""
