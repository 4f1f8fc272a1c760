"""Checking a document: the reviewers' upload check and the public QR page."""
