"""Reliability: soak, fault matrix, hostile input, secrets (issue 14)."""
