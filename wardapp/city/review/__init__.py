"""The review: accepting or returning a commune-day, flags, the one-stop reconciliation."""
