"""The monitoring desk: the province's day, the II.06a table, reminders, every export."""
