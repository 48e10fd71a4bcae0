"""Run the Step Functions workflows locally: the same ASL files under moto, our handlers in-process.

Needs the ``aws`` and ``dev`` dependency groups (boto3, moto[stepfunctions,...]); the sdk never imports
this package (``vyapari local run`` imports it lazily inside the command).
"""
