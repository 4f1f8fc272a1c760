"""Delivery: the worker that pushes signed revisions from the outbox to the city and asks about them."""
