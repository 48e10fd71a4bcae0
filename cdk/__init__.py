"""The vyapari CDK app: stacks, constructs and per-stage configuration (``cdk.json`` context)."""
