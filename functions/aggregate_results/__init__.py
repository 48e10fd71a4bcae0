"""Lambda function aggregate_results."""
