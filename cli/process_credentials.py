"""The answer a ``credential_process`` may print: what botocore's own reader accepts, and a little more strictly.

botocore (``ProcessProvider._retrieve_credentials_using``) requires ``Version`` 1,
``AccessKeyId`` and ``SecretAccessKey``, takes ``SessionToken`` and ``Expiration``, and turns
an Expiration into ``RefreshableCredentials`` through ``dateutil.parser.parse``: a value it
cannot parse raises, a time without a zone fails when compared with the (aware) clock, and a
time already past makes every call refresh at once. A null or a number is carried as it is
and breaks signing later. So here every credential is a non-empty string of printable ASCII
without spaces (they become HTTP header values), the token is required (the TVM only vends
temporary credentials), and Expiration is an ISO 8601 date-time with seconds and a zone
(``Z`` or ``±HH:MM``), in the future. The Expiration printed is the same instant in UTC,
``YYYY-MM-DDTHH:MM:SSZ`` (fractions of a second dropped, never rounded up).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken")
_CREDENTIAL = re.compile(r"[\x21-\x7e]+")
_ISO_8601 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class InvalidCredentials(ValueError):
    """Why an answer is not usable; never contains a credential."""


def credential_process_answer(values: dict, now: datetime) -> dict:
    """``{"Version": 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration}`` from ``values`` (keys as in
    ``FIELDS`` plus ``Expiration``), or InvalidCredentials naming the first field that is wrong."""
    answer: dict = {"Version": 1}
    for field in FIELDS:
        value = values.get(field)
        if not isinstance(value, str) or not _CREDENTIAL.fullmatch(value):
            raise InvalidCredentials(f"{field} is {_kind(value)}, not a string of printable characters")
        answer[field] = value
    answer["Expiration"] = _future_expiration(values.get("Expiration"), now)
    return answer


def revalidated(cached: object, now: datetime) -> dict:
    """A cached answer, checked again as if it had just arrived (the cache may hold anything)."""
    if not isinstance(cached, dict) or cached.get("Version") != 1 or set(cached) != {"Version", *FIELDS, "Expiration"}:
        raise InvalidCredentials("not a Version 1 credential_process answer")
    return credential_process_answer(cached, now)


def expiration_of(answer: dict) -> datetime:
    """The Expiration of an answer made by ``credential_process_answer``."""
    return datetime.strptime(answer["Expiration"], EXPIRATION_FORMAT).replace(tzinfo=UTC)


def _future_expiration(value: object, now: datetime) -> str:
    if not isinstance(value, str) or not _ISO_8601.fullmatch(value):
        raise InvalidCredentials(f"Expiration is {_kind(value)}, not an ISO 8601 time with a zone")
    try:
        expires = datetime.fromisoformat(value).astimezone(UTC).replace(microsecond=0)
    except (ValueError, OverflowError):
        raise InvalidCredentials("Expiration is not a valid date and time") from None
    if expires <= now:
        raise InvalidCredentials("Expiration is not in the future")
    return expires.strftime(EXPIRATION_FORMAT)


def _kind(value: object) -> str:
    if value is None:
        return "missing or null"
    if isinstance(value, str):
        return "a malformed string" if value else "empty"
    return f"a {type(value).__name__}"
