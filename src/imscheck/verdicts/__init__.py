"""From answers to verdicts: one status per requirement, shared evidence, findings."""
