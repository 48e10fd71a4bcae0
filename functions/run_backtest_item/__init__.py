"""Lambda function run_backtest_item."""
