"""The Response Team's support log: each time it helped someone. The day's count is a report figure."""
