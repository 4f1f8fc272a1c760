"""What personal data the app keeps, why, how long and who may see it (issue 26)."""
