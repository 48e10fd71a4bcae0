"""Lambda function record_failure."""
