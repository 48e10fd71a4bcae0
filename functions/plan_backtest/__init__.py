"""Lambda function plan_backtest."""
