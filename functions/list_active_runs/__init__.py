"""Lambda function list_active_runs."""
