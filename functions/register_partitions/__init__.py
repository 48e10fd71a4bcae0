"""Lambda function register_partitions."""
