"""The base of every settings section, and the named value types the sections share.

A type whose values have one shape is named here once (``SecretName``, ``KmsKeyArn``) and used by
every section that holds such a value. Pattern types report pydantic's own "String should match
pattern" rule; list types report a sentence of their own at the list's key, naming the first
refused item.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

PROJECT = "iam-platform"  # the default only: the running program's name comes from Pulumi.yaml
PROJECT_DIR = Path(__file__).resolve().parents[2]

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_KMS_KEY_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
_SECRET_NAME = r"^[A-Za-z0-9/_+=.@-]{1,512}$"
_VPC_ID = r"^vpc-[0-9a-f]{8,17}$"
_SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
_LAYER_ARN = r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d{1,8}$"
_SEMVER = r"^\d{1,4}\.\d{1,4}\.\d{1,6}$"
_AURORA_MYSQL_VERSION = r"^\d\.\d{2}\.mysql_aurora\.\d{1,2}\.\d{2}\.\d{1,2}$"
_CRON = r"^cron\([^()]{9,200}\)$"
# A foundation model id (provider.model[:version]); inference profiles are refused in settings/layers.py.
_BEDROCK_MODEL_ID = r"^[a-z0-9-]{2,32}\.[A-Za-z0-9.:_-]{1,200}$"
# A secret-name prefix ending in "/*": at least one path segment, no other wildcard.
_SECRET_PREFIX = r"^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]{0,500}/\*$"
_ISSUER_URL = r"^https://[a-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$"
_HTTPS_API_URL = r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$"
_OIDC_PROVIDER_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+$"
_THUMBPRINT = r"^[0-9a-fA-F]{40}$"
_PROFILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_MANAGED_POLICY_ARN = r"^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9_+=,.@/-]{1,512}$"
_ACCOUNT_ID = r"[0-9]{12}"
_ROLE_ARN = r"arn:aws[a-z-]*:iam::[0-9]{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}"
_IAM_ACTION = r"^[a-z0-9-]+:[A-Za-z0-9*?]+$"


class Settings(BaseModel):
    """Base of every section: camelCase keys, unknown keys refused, values frozen."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


def _each(check: Callable[[str], str]) -> AfterValidator:
    """A list whose items must pass ``check``; the first refused item is reported, at the list's key."""
    return AfterValidator(lambda items: [check(item) for item in items])


def _refusing(matches: Callable[[str], object], message: str) -> Callable[[str], str]:
    """A check of one value; ``message`` names the value as ``{value!r}``."""

    def check(value: str) -> str:
        if not matches(value):
            raise ValueError(message.format(value=value))
        return value

    return check


def _thumbprint(value: str) -> str:
    if not re.match(_THUMBPRINT, value):
        raise ValueError(f"thumbprint {value!r} must be 40 hexadecimal characters (SHA-1)")
    return value.lower()


def _subject(value: str) -> str:
    if not value or len(value) > 255 or value.strip() != value:
        raise ValueError(f"subject {value!r} must be 1-255 characters without surrounding spaces")
    return value


EmailAddress = Annotated[str, StringConstraints(pattern=_EMAIL)]
KmsKeyArn = Annotated[str, StringConstraints(pattern=_KMS_KEY_ARN)]
SecretName = Annotated[str, StringConstraints(pattern=_SECRET_NAME)]
SecretPrefix = Annotated[str, StringConstraints(pattern=_SECRET_PREFIX)]
VpcId = Annotated[str, StringConstraints(pattern=_VPC_ID)]
SubnetId = Annotated[str, StringConstraints(pattern=_SUBNET_ID)]
LayerArn = Annotated[str, StringConstraints(pattern=_LAYER_ARN)]
Semver = Annotated[str, StringConstraints(pattern=_SEMVER)]
AuroraMysqlVersion = Annotated[str, StringConstraints(pattern=_AURORA_MYSQL_VERSION)]
CronExpression = Annotated[str, StringConstraints(pattern=_CRON)]
BedrockModelId = Annotated[str, StringConstraints(pattern=_BEDROCK_MODEL_ID)]
IssuerUrl = Annotated[str, StringConstraints(pattern=_ISSUER_URL, max_length=255)]
HttpsApiUrl = Annotated[str, StringConstraints(pattern=_HTTPS_API_URL, max_length=200)]
OidcProviderArn = Annotated[str, StringConstraints(pattern=_OIDC_PROVIDER_ARN)]
ProfileName = Annotated[str, StringConstraints(pattern=_PROFILE_NAME)]

# Lists checked item by item, each refusal naming the item.
KmsKeyArns = Annotated[
    list[str], _each(_refusing(lambda v: re.match(_KMS_KEY_ARN, v), "{value!r} is not a KMS key ARN"))
]
ManagedPolicyArns = Annotated[
    list[str], _each(_refusing(lambda v: re.match(_MANAGED_POLICY_ARN, v), "{value!r} is not a managed policy ARN"))
]
AccountIds = Annotated[
    list[str], _each(_refusing(lambda v: re.fullmatch(_ACCOUNT_ID, v), "{value!r} is not a 12-digit account id"))
]
RoleArns = Annotated[
    list[str], _each(_refusing(lambda v: re.fullmatch(_ROLE_ARN, v, re.ASCII), "{value!r} is not an IAM role ARN"))
]
IamActions = Annotated[
    list[str],
    _each(
        _refusing(lambda v: v == "*" or re.match(_IAM_ACTION, v), "{value!r} is not an IAM action such as s3:GetObject")
    ),
]
Thumbprints = Annotated[list[str], _each(_thumbprint)]  # lower-cased
Subjects = Annotated[list[str], _each(_subject)]
