"""The security headers both apps send on every response."""

from __future__ import annotations

from collections.abc import MutableMapping

# No inline script and no inline style anywhere, so the policy can stay this strict.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def apply_headers(headers: MutableMapping[str, str], *, logged_in: bool) -> None:
    """Set the headers a response lacks; anything behind a login (a session or an API token) is
    kept out of every cache, whatever the view or ``send_file`` said (PDFs, ZIPs, photos)."""
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if logged_in:
        headers["Cache-Control"] = "private, no-store"
