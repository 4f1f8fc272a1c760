"""The outbox: signed revisions waiting for, being sent to, or answered by the city."""
