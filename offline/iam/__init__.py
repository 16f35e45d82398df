"""AWS IAM authorization evaluated offline by a maintained engine (see engine.py)."""

from offline.iam.engine import Decision, EngineError, Statement, evaluate, evaluate_many

__all__ = ["Decision", "EngineError", "Statement", "evaluate", "evaluate_many"]
