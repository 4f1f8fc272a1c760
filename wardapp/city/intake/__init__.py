"""The city's intake: the push API, verifying and storing a commune's signed report."""
