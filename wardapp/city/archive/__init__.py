"""The city's archival hand-over package of a year (issue 26)."""
