"""Lambda function ingest_file."""
