"""Fargate task running one large backtest work item (``python -m functions.run_backtest_task``)."""
