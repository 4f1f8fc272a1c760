"""Flask-level plumbing both apps share, written once and given each app's own models, database
and settings: the app-factory and settings skeleton, URL converters, extensions, model mixins for
accounts, sign-in attempts, API tokens and signed editions, the account policy and sign-in flow,
backups, request logging and answers a worker keeps until their source changes; or that one app
chose (the intake's fast multipart parser, ``forms``). Above the kernel, beside both apps, and
importing neither (an import-linter contract). See docs/ARCHITECTURE.md."""
