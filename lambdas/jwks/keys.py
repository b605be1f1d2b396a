"""Turn a key document into the public keys a JWKS endpoint may serve.

A document is JSON in one of two shapes:

- a JWKS: ``{"keys": [{"kid": ..., "kty": ...}, ...]}``
- an object keyed by kid: ``{"<kid>": {"kty": ...}, ...}``; a key without its own
  ``kid`` takes the object key.

Sanitising drops keys that are malformed, symmetric (``kty: oct``) or of an unknown type,
and removes private members, so a secret that holds a full private JWK still yields only
its public half. Only strict JSON is read: ``NaN``/``Infinity`` (``NOT_JSON``) or nesting
deeper than the parser follows (``TOO_DEEP``) make the document unusable, so the last good
keys stand in. Log lines name the kid (or the key's position) and the reason, never a
member's value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from aws_lambda_powertools import Logger

from lambdas.common.errors import PlatformError

logger = Logger()

# RFC 7518 section 6: the members that carry private or symmetric key material.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

REQUIRED_PUBLIC_MEMBERS = {
    "RSA": ("n", "e"),
    "EC": ("crv", "x", "y"),
    "OKP": ("crv", "x"),
}


class KeyDocumentError(PlatformError, ValueError):
    """The document is not one the endpoint can serve; ``code`` is safe to log."""


def load_public_keys(document_text: str) -> list[dict]:
    """Parse a key document and return its sanitised public keys, sorted by kid.

    An empty document is served as an empty JWKS (a new stack starts with one). A
    document whose every key had to be dropped is an error instead: serving it would
    silently break every verifier, while an error lets the last good keys stand in.
    """
    entries = parse_key_document(document_text)
    public_keys = sanitise_keys(entries)
    if entries and not public_keys:
        raise KeyDocumentError("NO_USABLE_KEYS")
    try:  # what is served must serialise as strict JSON (deep members, say)
        json.dumps(public_keys, allow_nan=False)
    except (ValueError, RecursionError):
        raise KeyDocumentError("NOT_SERVABLE") from None
    return public_keys


def parse_key_document(document_text: str) -> list:
    """The key entries of a document, in document order, not yet checked."""
    try:
        # Strict JSON only: NaN and Infinity would be served as a body no verifier parses.
        document = json.loads(document_text, parse_constant=_refuse_constant)
    except (TypeError, ValueError):
        raise KeyDocumentError("NOT_JSON") from None
    except RecursionError:  # nested deeper than the parser can follow
        raise KeyDocumentError("TOO_DEEP") from None
    if not isinstance(document, dict):
        raise KeyDocumentError("NOT_AN_OBJECT")
    if "keys" in document:
        if not isinstance(document["keys"], list):
            raise KeyDocumentError("KEYS_NOT_A_LIST")
        return list(document["keys"])
    return [_with_default_kid(kid, entry) for kid, entry in document.items()]


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _with_default_kid(kid: str, entry: object) -> object:
    if isinstance(entry, dict) and "kid" not in entry:
        return {**entry, "kid": kid}
    return entry


def sanitise_keys(entries: Iterable[object]) -> list[dict]:
    """The servable public keys among ``entries``, sorted by kid; the first of a kid wins."""
    keys_by_kid: dict[str, dict] = {}
    for position, entry in enumerate(entries):
        public_key = sanitise_key(entry, position)
        if public_key is None:
            continue
        kid = public_key["kid"]
        if kid in keys_by_kid:
            logger.warning("Dropped JWK: duplicate kid, keeping the first", extra={"kid": kid})
            continue
        keys_by_kid[kid] = public_key
    return [keys_by_kid[kid] for kid in sorted(keys_by_kid)]


def sanitise_key(entry: object, position: int = 0) -> dict | None:
    """The public form of one JWK, or None (with a log line) if it must not be served."""
    if not isinstance(entry, dict):
        logger.warning("Dropped JWK: not an object", extra={"position": position})
        return None
    kid = entry.get("kid")
    if not isinstance(kid, str) or not kid:
        logger.warning("Dropped JWK: missing kid", extra={"position": position})
        return None
    kty = entry.get("kty")
    if kty == "oct":
        logger.error("Dropped JWK: symmetric keys are secret and never served", extra={"kid": kid})
        return None
    if not isinstance(kty, str) or kty not in REQUIRED_PUBLIC_MEMBERS:
        reason = "missing kty" if kty is None else "unsupported kty"
        logger.warning(f"Dropped JWK: {reason}", extra={"kid": kid})
        return None
    missing = [name for name in REQUIRED_PUBLIC_MEMBERS[kty] if not _is_filled_string(entry.get(name))]
    if missing:
        logger.warning(f"Dropped JWK: {kty} key without {', '.join(missing)}", extra={"kid": kid})
        return None
    return _without_private_members(entry, kid)


def _is_filled_string(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _without_private_members(entry: dict, kid: str) -> dict:
    private_found = sorted(PRIVATE_MEMBERS.intersection(entry))
    if private_found:
        logger.error(
            "JWK held private key material; removed it before serving",
            extra={"kid": kid, "removed_members": private_found},
        )
    return {name: value for name, value in entry.items() if name not in PRIVATE_MEMBERS}
