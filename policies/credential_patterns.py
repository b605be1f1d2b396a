"""What a credential in plain configuration looks like: values shaped like keys and tokens, and names that say
password/secret/token holding a literal rather than a reference to where the secret is kept.

Nothing here returns or prints a value: callers get the kind of credential found, and say that.
"""

from __future__ import annotations

import itertools
import re

# Values whose shape alone says what they are, whatever the variable is called.
_SHAPES = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a private key", re.compile(r"-----BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+")),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a password in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?!\$\{|\{\{)[^/\s@]+@", re.IGNORECASE)),
)

# Name words that say the value is a credential ...
_CREDENTIAL_WORDS = {
    "PASSWORD",
    "PASSWD",
    "PWD",
    "PASS",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATEKEY",
}
_CREDENTIAL_PAIRS = {
    ("API", "KEY"),
    ("ACCESS", "KEY"),
    ("PRIVATE", "KEY"),
    ("SIGNING", "KEY"),
    ("AUTH", "KEY"),
    ("CLIENT", "KEY"),
}
# ... unless the last word says it is where the credential is, or something about it.
_REFERENCE_WORDS = {
    "ARN",
    "ARNS",
    "NAME",
    "NAMES",
    "ID",
    "IDS",
    "PARAM",
    "PARAMETER",
    "PARAMETERS",
    "PATH",
    "TABLE",
    "URL",
    "URI",
    "ENDPOINT",
    "BUCKET",
    "REGION",
    "FILE",
    "TTL",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "ENABLED",
    "DISABLED",
    "HEADER",
    "TYPE",
    "LENGTH",
    "FIELD",
    "VERSION",
    "STAGE",
    "PREFIX",
    "ROLE",
    "QUEUE",
    "TOPIC",
    "HOST",
    "PORT",
    "USER",
    "USERNAME",
    "EXPIRY",
    "TIMEOUT",
    "LIMIT",
    "COUNT",
    "KEY_ID",
    "ALIAS",
    "LOCATION",
    "SOURCE",
    "PROVIDER",
    "STORE",
    "VAULT",
    "MODE",
    "POLICY",
    "FORMAT",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "KIND",
    "SIZE",
    "ROTATION",
    "EXPIRES",
    "LIFETIME",
}

# A reference to where a secret is kept: an ARN, a parameter path, a CloudFormation dynamic reference, a
# lower-case secret or parameter name made of words (prod/slack-token, app.db.password), a URL.
_REFERENCE = re.compile(
    r"arn:aws[a-z-]*:.*|/.*|\{\{resolve:.*\}\}|\$\{.*\}|[a-z][a-z0-9+.-]*://\S*"
    r"|[a-z0-9_]+([./-][a-z0-9_]+)+",
    re.DOTALL,
)
_NOT_A_SECRET = re.compile(r"(true|false|yes|no|on|off|none|null|-?\d+(\.\d+)?)", re.IGNORECASE)
_SHORTEST_SECRET = 6


def shaped_credential(value: str) -> str | None:
    """The kind of credential ``value`` contains by its shape alone, or None."""
    return next((kind for kind, shape in _SHAPES if shape.search(value)), None)


def _words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def is_credential_name(name: str) -> bool:
    """``DB_PASSWORD``, ``slackSigningSecret``, ``API_KEY``; not ``DB_SECRET_ARN``, ``TOKEN_TABLE``, ``MAX_TOKENS``."""
    words = _words(name)
    if not words or words[-1] in _REFERENCE_WORDS or "_".join(words[-2:]) in _REFERENCE_WORDS:
        return False
    pairs = itertools.pairwise(words)
    return any(w in _CREDENTIAL_WORDS for w in words) or any(pair in _CREDENTIAL_PAIRS for pair in pairs)


def is_literal_secret(value: str) -> bool:
    """Whether a value could be the secret itself rather than a reference, a flag or a number."""
    value = value.strip()
    return len(value) >= _SHORTEST_SECRET and not _NOT_A_SECRET.fullmatch(value) and not _REFERENCE.fullmatch(value)


def plain_credential(name: str, value: str) -> str | None:
    """What kind of credential the setting ``name`` = ``value`` holds in plain text, or None."""
    shaped = shaped_credential(value)
    if shaped:
        return shaped
    if is_credential_name(name) and is_literal_secret(value):
        return "a literal secret"
    return None
