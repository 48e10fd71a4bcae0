"""Lambda function download_exchange_files."""
