"""The PDF builders: plain inputs in, deterministic PDF bytes out (and their PAdES signature)."""
