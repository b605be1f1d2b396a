"""AWS's hosted MySQL rotation applications (Serverless Application Repository) and the first password's rules."""

from __future__ import annotations

import string

from components.settings.database import RDS_FORBIDDEN_PASSWORD_CHARACTERS

SAR_ACCOUNT = "297356227824"
SINGLE_USER_APPLICATION = "SecretsManagerRDSMySQLRotationSingleUser"
MULTI_USER_APPLICATION = "SecretsManagerRDSMySQLRotationMultiUser"
SAR_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]
PASSWORD_LENGTH = 32


def sar_application_id(strategy: str) -> str:
    name = MULTI_USER_APPLICATION if strategy == "alternating-users" else SINGLE_USER_APPLICATION
    return f"arn:aws:serverlessrepo:us-east-1:{SAR_ACCOUNT}:applications/{name}"


def allowed_specials(exclude: str) -> str:
    """Punctuation the first password may use: none the rotation excludes, none RDS refuses."""
    return "".join(c for c in string.punctuation if c not in exclude + RDS_FORBIDDEN_PASSWORD_CHARACTERS)
