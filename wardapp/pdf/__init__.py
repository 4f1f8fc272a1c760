"""PDF documents: the signed daily report, monthly summaries, and pulling them."""
