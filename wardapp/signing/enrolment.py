"""What the commune hands the city to be enrolled: one file (``core/enrolment.py`` says what is in
it and why), made from the active signing key and the roots its PDF signatures chain to."""

from __future__ import annotations

from typing import Any

from wardapp.commune.models import Commune
from wardapp.core import clock, enrolment
from wardapp.signing import documents, keys


def enrolment_file(commune: Commune) -> dict[str, Any]:
    """The enrolment file of ``commune``: the active key (made on first use), the CA chain its PDF
    signatures use (its certificate issued on first use), proved by the key. The caller commits."""
    row = keys.ensure_key()
    documents.ensure_certificate(commune)
    return enrolment.build(
        code=commune.code,
        name=commune.name,
        province_code=commune.province_code,
        jwk=dict(row.public_jwk),
        private_key=keys.private_key(row.kid),
        ca_certificates=documents.trust_roots(),
        made_at=clock.now(),
    )
