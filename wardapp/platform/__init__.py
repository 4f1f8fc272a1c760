"""Flask-level plumbing both apps share (request logging, backup commands, sign-in attempts,
answers a worker keeps until their source changes) or that one app chose (the intake's fast
multipart parser, ``forms``): above the kernel, beside both apps, and importing neither (an
import-linter contract)."""
