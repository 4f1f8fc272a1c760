"""Enrolment: the one way a commune's key and PDF CAs enter the city."""
