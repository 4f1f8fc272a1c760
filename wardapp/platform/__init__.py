"""Flask-level plumbing both apps share (request logging): above the kernel, beside both apps, and
importing neither (an import-linter contract)."""
