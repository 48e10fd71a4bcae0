"""Lambda function build_minute_bars."""
