"""Lambda function publish_evaluation."""
