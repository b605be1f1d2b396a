"""No credentials in plain configuration: Lambda environment variables, database master passwords."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.credential_patterns import plain_credential, shaped_credential
from policies.exemptions import is_exempt
from policies.props import is_set, known_or_none
from policies.resource_types import FUNCTION_TYPE, applies_to
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

CLUSTER_TYPE = "aws:rds/cluster:Cluster"
INSTANCE_TYPE = "aws:rds/instance:Instance"
# The master password properties of each type (the write-only variant too: it is still written in the program).
PASSWORD_KEYS = {CLUSTER_TYPE: ("masterPassword", "masterPasswordWo"), INSTANCE_TYPE: ("password", "passwordWo")}


# --- lambda-environment-no-plain-credentials ---------------------------------------------

ENVIRONMENT_SCHEMA = PolicyConfigSchema(
    properties={
        "exemptVariables": string_list(
            [],
            "Variable names whose literal value is not a secret although the name says so (e.g. "
            '"PASSWORD_POLICY"); values shaped like keys or tokens are reported all the same.',
        ),
        "exemptions": exemptions_schema("Functions"),
    },
)


@applies_to(FUNCTION_TYPE)
def _validate_lambda_environment_no_plain_credentials(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    settings = policy_settings(args, ENVIRONMENT_SCHEMA)
    if is_exempt(settings, args):
        return
    environment = known_or_none(args.props, "environment")
    variables = known_or_none(environment, "variables") if isinstance(environment, Mapping) else None
    if not isinstance(variables, Mapping):
        return
    for name in sorted(variables):
        value = known_or_none(variables, name)
        if not isinstance(value, str):
            continue  # not known yet: another resource's output, never a literal
        kind = shaped_credential(value) if name in settings["exemptVariables"] else plain_credential(name, value)
        if kind:
            report_violation(
                f'environment variable "{name}" of function "{args.name}" holds {kind} in plain text ({len(value)} '
                "characters, not shown), readable by anyone allowed lambda:GetFunctionConfiguration; keep it in "
                "Secrets Manager or an SSM SecureString, pass its ARN or name (e.g. "
                f'"{name}_SECRET_ARN") and read it at run time'
                + (f', or list "{name}" in exemptVariables if it is no secret' if kind == "a literal secret" else "")
            )


LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS = ResourceValidationPolicy(
    name="lambda-environment-no-plain-credentials",
    description="Lambda environment variables must not hold credentials: values shaped like AWS keys, tokens or "
    "private keys, or literal values of variables named as passwords, secrets or tokens.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Store the credential in Secrets Manager (or SSM SecureString), pass its ARN in the "
    "environment, grant the function secretsmanager:GetSecretValue on it, and rotate the leaked "
    "value: it is in the stack's state and the function's configuration.",
    config_schema=ENVIRONMENT_SCHEMA,
    validate=_validate_lambda_environment_no_plain_credentials,
)


# --- rds-master-password-not-plain -------------------------------------------------------

PASSWORD_SCHEMA = PolicyConfigSchema(
    properties={
        "requireManagedPassword": {
            "type": "boolean",
            "default": False,
            "description": "Require manage_master_user_password=True: also report a password that comes from "
            "another resource (random.RandomPassword, a secret).",
        },
        "exemptions": exemptions_schema("Clusters and instances"),
    },
)


def _validate_rds_master_password_not_plain(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, PASSWORD_SCHEMA)
    for database in args.resources:
        keys = PASSWORD_KEYS.get(database.resource_type, ())
        for key in keys:
            if not is_set(database.props, key) or is_exempt(settings, database):
                continue
            problem = _password_problem(database, key, settings["requireManagedPassword"])
            if problem:
                report_violation(
                    f'"{database.name}" {problem}; set manage_master_user_password=True (RDS keeps '
                    "and rotates it in Secrets Manager) or pass a random.RandomPassword's result kept "
                    "in a rotated secret, and change the password that is now in the program's history",
                    database.urn,
                )


def _password_problem(database: PolicyResource, key: str, require_managed: bool) -> str | None:
    derived = bool(database.property_dependencies.get(key))
    value = known_or_none(database.props, key)
    if isinstance(value, str) and not derived:
        return (
            f"takes a master password given as a plain value ({key}, {len(value)} characters, not shown; "
            "written in the program or taken from its config: a rule cannot tell a config secret apart)"
        )
    if require_managed:
        return f"sets {key} instead of letting RDS manage the password, and requireManagedPassword is set"
    return None


RDS_MASTER_PASSWORD_NOT_PLAIN = StackValidationPolicy(
    name="rds-master-password-not-plain",
    description="RDS clusters and instances should not take a master password given as a plain value; RDS-managed "
    "or generated (random.RandomPassword) passwords pass, only managed ones with requireManagedPassword.",
    # Advisory: pulumi-policy hands rules secret values unwrapped, so a password from config.require_secret looks
    # like a literal; raise it to mandatory in the pack config where stacks never take passwords from config.
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    remediation_steps="Set manage_master_user_password=True (and master_user_secret_kms_key_id), or generate the "
    "password with random.RandomPassword and keep it in a rotated Secrets Manager secret.",
    config_schema=PASSWORD_SCHEMA,
    validate=_validate_rds_master_password_not_plain,
)
