"""The city's accounts: signing in and out, who sees which provinces, API tokens."""
