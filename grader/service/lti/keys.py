"""This tool's signing keys: RSA 2048, RS256, kept in the database (so every API process
signs with the same key), published as a JWKS at ``/lti/jwks.json``."""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.orm import Session

from ...store import lti as lti_rows
from ...store.models import LtiKey


def generate(s: Session) -> LtiKey:
    """Make and store a new key; it signs from now on (older active ones stay published)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return lti_rows.add_key(s, "grader-" + secrets.token_hex(8), pem)


def signing_key(s: Session) -> tuple[str, Any]:
    """``(kid, private key)`` of the newest active key, generating one if there is none."""
    keys = lti_rows.active_keys(s)
    key = keys[0] if keys else generate(s)
    return key.kid, serialization.load_pem_private_key(key.private_pem.encode(), None)


def jwks(s: Session) -> dict[str, list[dict[str, Any]]]:
    """The public halves of the active keys, as a JWK set."""
    out = []
    for key in lti_rows.active_keys(s):
        private = serialization.load_pem_private_key(key.private_pem.encode(), None)
        jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)  # type: ignore[arg-type]
        out.append({**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"})
    return {"keys": out}
