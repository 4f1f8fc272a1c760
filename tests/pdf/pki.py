"""A test PKI served on 127.0.0.1: a root CA, the leader's and the commune's certificates, a
time-stamping authority (RFC 3161), an OCSP responder and a CRL, all from certomancer (PyPI) and its
WSGI "Animator", run by werkzeug in a thread on a port the OS picks."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from werkzeug.serving import make_server

ARCH = "wardapp-test"
PASSWORD = b"mat-khau-p12"
VALIDITY = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2040-01-01T00:00:00+0000"}


def _holder(issuer: str, *, ocsp: bool) -> dict:
    extensions = [
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": ["digital_signature", "non_repudiation"]},
        },
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
        },
    ]
    if ocsp:
        extensions.append(
            {
                "id": "authority_information_access",
                "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root-ocsp"]}},
            }
        )
    return {"issuer": issuer, "validity": VALIDITY, "extensions": extensions}


def config() -> dict:
    names = ("root", "leader", "commune", "tsa", "root-ocsp")
    return {
        "keysets": {ARCH: {"keys": {name: {"path": f"{name}.key.pem"} for name in names}}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN", "organization-name": "PKI thử nghiệm"},
                "entities": {
                    "root": {"common-name": "Root CA thử nghiệm"},
                    "leader": {"common-name": "Lê Thị Hằng"},
                    "commune": {"common-name": "UBND Phường Hải Châu"},
                    "tsa": {"common-name": "TSA thử nghiệm"},
                    "root-ocsp": {"common-name": "OCSP thử nghiệm"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            {
                                "id": "key_usage",
                                "critical": True,
                                "smart-value": {
                                    "schema": "key-usage",
                                    "params": ["digital_signature", "key_cert_sign", "crl_sign"],
                                },
                            },
                        ],
                    },
                    "leader": _holder("root", ocsp=True),
                    "commune": _holder("root", ocsp=False),  # revocation through the CRL only
                    "tsa": {
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            {
                                "id": "key_usage",
                                "critical": True,
                                "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                            },
                            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                        ],
                    },
                    "root-ocsp": {
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            {
                                "id": "key_usage",
                                "critical": True,
                                "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                            },
                            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                            {"id": "ocsp_no_check"},
                        ],
                    },
                },
                "services": {
                    "ocsp": {
                        "root-ocsp": {"for-issuer": "root", "responder-cert": "root-ocsp", "signing-key": "root-ocsp"}
                    },
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P30D"}
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


class _LateApp:
    """The server needs an app before the port is known; the PKI needs the port in its URLs."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class TestPki:
    url: str
    root: x509.Certificate
    arch: object
    keys: Path

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def pkcs12(self, label: str) -> bytes:
        """The holder's key and certificate with the root as chain, as a CA hands them out."""
        from certomancer.registry import CertLabel

        key = serialization.load_pem_private_key((self.keys / f"{label}.key.pem").read_bytes(), None)
        cert = x509.load_der_x509_certificate(self.arch.get_cert(CertLabel(label)).dump())
        return pkcs12.serialize_key_and_certificates(
            label.encode(), key, cert, [self.root], serialization.BestAvailableEncryption(PASSWORD)
        )


def start(folder: Path):
    """Start the PKI's services; returns (TestPki, stop)."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertLabel, CertomancerConfig

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("root", "leader", "commune", "tsa", "root-ocsp"):
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (folder / f"{name}.key.pem").write_bytes(pem)
    late = _LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    pki_config = CertomancerConfig(config(), key_search_dir=str(folder), external_url_prefix=url)
    late.app = Animator(AnimatorArchStore(pki_config.pki_archs), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    arch = pki_config.get_pki_arch(ARCH)
    root = x509.load_der_x509_certificate(arch.get_cert(CertLabel("root")).dump())

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(5)

    return TestPki(url, root, arch, folder), stop
