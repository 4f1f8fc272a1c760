"""The audit log: an append-only record of what changed, by whom, when."""
