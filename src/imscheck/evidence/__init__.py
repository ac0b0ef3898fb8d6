"""The state of evidence files: on disk, and in git."""
