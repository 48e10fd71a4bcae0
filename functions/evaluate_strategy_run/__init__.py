"""Lambda function evaluate_strategy_run."""
