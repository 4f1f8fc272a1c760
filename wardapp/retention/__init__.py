"""Retention by kind: photos' bytes and logs kept as long as set, then purged (issue 26)."""
