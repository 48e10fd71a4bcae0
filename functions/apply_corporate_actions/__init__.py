"""Lambda function apply_corporate_actions."""
