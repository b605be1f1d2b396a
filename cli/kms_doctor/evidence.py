"""Gather what the doctor needs to know about one function, read-only.

Everything here reads AWS (Lambda, IAM, KMS, ECR) and returns plain frozen data;
deciding what it means is ``verdict.diagnose``'s job, so it can be tested without AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

_IMAGE_URI = re.compile(
    r"^(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[^:@]+)"
)


class FunctionNotFound(Exception):
    """The function named on the command line does not exist (in that region)."""


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    arn: str
    package_type: str
    role_arn: str
    state: str | None = None
    state_reason_code: str | None = None
    state_reason: str | None = None
    last_update_status: str | None = None
    last_update_reason_code: str | None = None
    last_update_reason: str | None = None
    environment_key_arn: str | None = None
    image_uri: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleFacts:
    arn: str
    name: str
    exists: bool
    role_id: str | None = None
    create_date: datetime | None = None
    policies: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class KeyFacts:
    arn: str
    source: str  # "environment" or "image-repository"
    repository: str | None = None
    policy: dict[str, Any] | None = None  # None: could not be read


@dataclass(frozen=True)
class GrantFacts:
    grant_id: str
    grantee: str
    operations: tuple[str, ...] = ()
    name: str | None = None
    retiring: str | None = None
    creation_date: datetime | None = None
    constraints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    function: FunctionFacts
    role: RoleFacts
    key: KeyFacts | None = None
    grants: tuple[GrantFacts, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be read, and why
    grants_listed: bool = True  # False: ListGrants was refused, so no grant is known

    @property
    def account(self) -> str:
        return self.function.arn.split(":")[4]


def gather(session: Any, function_name: str) -> Evidence:
    """Read the function, its role, its KMS key, the key's policy and its grants."""
    lam, iam, kms = session.client("lambda"), session.client("iam"), session.client("kms")
    notes: list[str] = []
    function = _function(lam, function_name, notes)
    role = _role(iam, function.role_arn, notes)
    key = _key(session, kms, function, notes)
    grants = _grants(kms, key.arn, notes) if key else ()
    return Evidence(
        function=function, role=role, key=key, grants=grants or (), notes=tuple(notes), grants_listed=grants is not None
    )


def _function(lam: Any, name: str, notes: list[str]) -> FunctionFacts:
    try:
        response = lam.get_function(FunctionName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            raise FunctionNotFound(f"function {name!r} not found") from None
        raise
    config, code = response["Configuration"], response.get("Code", {})
    tags = response.get("Tags") or {}
    return FunctionFacts(
        name=config["FunctionName"],
        arn=config["FunctionArn"],
        role_arn=config["Role"],
        package_type=config.get("PackageType", "Zip"),
        state=config.get("State"),
        state_reason_code=config.get("StateReasonCode"),
        state_reason=config.get("StateReason"),
        last_update_status=config.get("LastUpdateStatus"),
        last_update_reason_code=config.get("LastUpdateStatusReasonCode"),
        last_update_reason=config.get("LastUpdateStatusReason"),
        environment_key_arn=config.get("KMSKeyArn"),
        image_uri=code.get("ImageUri"),
        tags=dict(tags),
    )


def _role(iam: Any, role_arn: str, notes: list[str]) -> RoleFacts:
    name = role_arn.rsplit("/", 1)[-1]
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchEntity":
            return RoleFacts(arn=role_arn, name=name, exists=False)
        raise
    if role["Arn"] != role_arn:
        notes.append(f"a role named {name} exists at {role['Arn']}, not at the function's {role_arn}")
        return RoleFacts(arn=role_arn, name=name, exists=False)
    return RoleFacts(
        arn=role_arn,
        name=name,
        exists=True,
        role_id=role["RoleId"],
        create_date=role["CreateDate"],
        policies=_role_policies(iam, name, notes),
    )


def _role_policies(iam: Any, name: str, notes: list[str]) -> tuple[dict[str, Any], ...]:
    documents: list[dict[str, Any]] = []
    try:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy in page["PolicyNames"]:
                documents.append(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page["AttachedPolicies"]:
                arn = attached["PolicyArn"]
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                documents.append(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
    except ClientError as error:
        notes.append(f"could not read the role's policies: {_code(error)}")
    return tuple(_as_dict(d) for d in documents)


def _key(session: Any, kms: Any, function: FunctionFacts, notes: list[str]) -> KeyFacts | None:
    if function.environment_key_arn:
        arn, source, repository = function.environment_key_arn, "environment", None
    elif function.package_type == "Image" and function.image_uri:
        found = _repository_key(session, function.image_uri, notes)
        if found is None:
            return None
        arn, source, repository = found[0], "image-repository", found[1]
    else:
        return None
    try:
        arn = kms.describe_key(KeyId=arn)["KeyMetadata"]["Arn"]
        policy = _as_dict(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
    except ClientError as error:
        notes.append(f"could not read key {arn}: {_code(error)}")
        policy = None
    return KeyFacts(arn=arn, source=source, repository=repository, policy=policy)


def _repository_key(session: Any, image_uri: str, notes: list[str]) -> tuple[str, str] | None:
    match = _IMAGE_URI.match(image_uri)
    if not match:
        notes.append(f"image {image_uri} is not in ECR")
        return None
    ecr = session.client("ecr", region_name=match["region"])
    try:
        [repository] = ecr.describe_repositories(registryId=match["registry"], repositoryNames=[match["repository"]])[
            "repositories"
        ]
    except ClientError as error:
        notes.append(f"could not read repository {match['repository']}: {_code(error)}")
        return None
    encryption = repository.get("encryptionConfiguration") or {}
    if encryption.get("encryptionType") != "KMS" or not encryption.get("kmsKey"):
        notes.append(f"repository {match['repository']} is not encrypted with a customer-managed KMS key")
        return None
    return encryption["kmsKey"], match["repository"]


def _grants(kms: Any, key_arn: str, notes: list[str]) -> tuple[GrantFacts, ...] | None:
    grants: list[GrantFacts] = []
    try:
        for page in kms.get_paginator("list_grants").paginate(KeyId=key_arn):
            for grant in page["Grants"]:
                grants.append(
                    GrantFacts(
                        grant_id=grant["GrantId"],
                        grantee=grant.get("GranteePrincipal", ""),
                        operations=tuple(grant.get("Operations", ())),
                        name=grant.get("Name") or None,
                        retiring=grant.get("RetiringPrincipal"),
                        creation_date=grant.get("CreationDate"),
                        constraints=dict(grant.get("Constraints") or {}),
                    )
                )
    except ClientError as error:
        notes.append(f"could not list the key's grants: {_code(error)}")
        return None
    return tuple(grants)


def _as_dict(document: Any) -> dict[str, Any]:
    if isinstance(document, str):
        import json
        from urllib.parse import unquote

        text = document if document.lstrip().startswith("{") else unquote(document)
        return json.loads(text)
    return dict(document)


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "error")
