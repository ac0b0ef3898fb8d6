"""Evaluating rules over facts: the default evaluator and the optional durable-rules engine."""
