"""TokenVendingMachine: IAM-authenticated HTTP API that vends credentials of protected roles.

Engineer → HTTP API (AWS_IAM) → TVM function → rules (SSM) → session (DynamoDB) →
``sts:AssumeRole`` with SourceIdentity ``<prefix>.<user>.<8 hex>`` → credentials.
Protected roles trust the TVM's role alone, and only with that SourceIdentity prefix, and
are denied the TVM's own tables, rules, functions and roles whatever their permissions say:
credentials a profile vends can never read session records or rewrite access rules.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components import iam, tags
from components.alarms import ABOVE, expression, lambda_metric, metric_alarm, query
from components.function import FunctionSpec, ServiceFunction
from components.http_api import ApiRoute, HttpApi
from components.platform import Platform
from components.session_authorizer import SessionAuthorizer
from components.settings.tvm import TvmIdentitySettings, TvmProfileSettings, TvmSettings

TVM_ROUTES = (
    "GET /",
    "POST /",
    "GET /profiles",
    "POST /approvals",
    "POST /approvals/{id}/approve",
    "POST /approvals/{id}/deny",
)
TRUST_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
SESSION_HEADER = "X-Sentinel-Session-ID"
SSM_STANDARD_LIMIT = 4096
GUARDED_SERVICES = {"dynamodb": "dynamodb:*", "ssm": "ssm:*", "lambda": "lambda:*", "iam": "iam:*"}
SSO_ROLE_PATH = "aws-reserved/sso.amazonaws.com/"


def source_identity_condition(prefix: str) -> dict:
    return {"StringLike": {"sts:SourceIdentity": f"{prefix}.*"}}


class ProtectedRole(pulumi.ComponentResource):
    """The role behind one profile: only the TVM's role may assume it, only with a
    SourceIdentity of the TVM's prefix. Tagged ``iam-platform:protected = "true"``."""

    arn: pulumi.Output[str]
    role: aws.iam.Role

    def __init__(
        self,
        name: str,
        profile: TvmProfileSettings,
        tvm_role_arn: pulumi.Input[str],
        prefix: str,
        platform: Platform,
        guarded: TvmResources,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("iam-platform:tvm:ProtectedRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        trust = iam.role_trust([tvm_role_arn], list(TRUST_ACTIONS), source_identity_condition(prefix))
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=iam.policy_document([trust]),
            description=f"{platform.project}/{platform.stack} TVM profile {profile.name}; assumed only by the TVM",
            # IAM's range is 3600-43200; the TVM itself cuts sessions to the profile's maximum.
            max_session_duration=max(3600, profile.max_duration_seconds),
            tags={tags.PROTECTED_ROLE: "true", "iam-platform:profile": profile.name},
            opts=child,
        )
        for index, policy_arn in enumerate(profile.permissions.managed_policy_arns):
            aws.iam.RolePolicyAttachment(
                f"{name}-managed-{index}", role=self.role.name, policy_arn=policy_arn, opts=child
            )
        if profile.permissions.statements:
            statements = [
                iam.Statement(
                    actions=s.actions, resources=s.resources, conditions=s.conditions, effect=s.effect, sid=s.sid
                )
                for s in profile.permissions.statements
            ]
            aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, policy=iam.policy_document(statements), opts=child)
        aws.iam.RolePolicy(
            f"{name}-guard", role=self.role.id, policy=iam.policy_document(guarded.denials()), opts=child
        )
        self.arn = self.role.arn
        self.register_outputs({"arn": self.arn})


class TvmResources:
    """What no protected role may touch: the TVM's tables, rules parameters, functions and roles."""

    def __init__(self) -> None:
        self.by_service: dict[str, list[pulumi.Input[str]]] = {service: [] for service in GUARDED_SERVICES}

    def add(self, service: str, *arns: pulumi.Input[str]) -> None:
        self.by_service[service].extend(arns)

    def denials(self) -> list[iam.Statement]:
        return [
            iam.Statement(
                actions=[GUARDED_SERVICES[service]], resources=arns, effect="Deny", sid=f"NoTvm{service.capitalize()}"
            )
            for service, arns in self.by_service.items()
            if arns
        ]


class TokenVendingMachine(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]
    sessions_table: aws.dynamodb.Table
    approvals_table: aws.dynamodb.Table
    breakglass_table: aws.dynamodb.Table
    protected_roles: dict[str, ProtectedRole]
    authorizer: SessionAuthorizer

    def __init__(
        self, name: str, settings: TvmSettings, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:tvm:TokenVendingMachine", name, None, opts)
        self.sessions_table = self._table(name, "sessions", "session_id", platform, ttl=True)
        self.approvals_table = self._table(name, "approvals", "approval_id", platform, ttl=True)
        self.breakglass_table = self._table(name, "breakglass", "event_id", platform, ttl=False)
        root = settings.parameter_root
        parameter_arn = pulumi.Output.concat(
            "arn:", platform.partition, ":ssm:", platform.region, ":", platform.account_id, ":parameter", root
        )
        tables = [self.sessions_table.arn, self.approvals_table.arn]
        identities = settings.identities
        self.function = ServiceFunction(
            f"{name}-fn",
            FunctionSpec(
                code="tvm",
                description="Token vending machine: checks access rules and assumes protected roles",
                statements=[
                    iam.allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], tables, sid="OwnTables"),
                    iam.allow(["ssm:GetParameter"], [pulumi.Output.concat(parameter_arn, "/*")], sid="ReadRules"),
                    iam.allow(["ssm:GetParametersByPath"], [parameter_arn], sid="ListProfiles"),
                    *self._identity_statements(identities, platform),
                ],
                environment={
                    "TVM_PARAMETER_ROOT": root,
                    "TVM_SESSION_TABLE": self.sessions_table.name,
                    "TVM_APPROVAL_TABLE": self.approvals_table.name,
                    "TVM_SOURCE_IDENTITY_PREFIX": settings.source_identity_prefix,
                    "TVM_DEFAULT_DURATION_SECONDS": str(settings.default_duration_seconds),
                    "TVM_APPROVAL_TTL_SECONDS": str(settings.approval_ttl_seconds),
                    "TVM_RULES_CACHE_SECONDS": str(settings.rules_cache_seconds),
                    "TVM_IDENTITIES": identities.environment(),
                },
                reserved_concurrency=settings.reserved_concurrency,
                role_tags={tags.TVM_ROLE: "true"},
                # Rules with a timezone use zoneinfo, which falls back to tzdata where the runtime
                # has no /usr/share/zoneinfo.
                packages=("tzdata",),
            ),
            platform,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.authorizer = SessionAuthorizer(
            f"{name}-authorizer", self.sessions_table, platform, opts=pulumi.ResourceOptions(parent=self)
        )
        guarded = self._guarded(parameter_arn)
        self.protected_roles = {}
        for profile in settings.profiles:
            role = ProtectedRole(
                f"{name}-profile-{profile.name}",
                profile,
                self.function.role.arn,
                settings.source_identity_prefix,
                platform,
                guarded,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.protected_roles[profile.name] = role
            self._rules_parameter(name, profile, role.arn, root)
        # Only this stack's protected roles, only with the TVM's SourceIdentity prefix. A
        # separate policy: the roles' trust policies need the TVM role first.
        self.function.grant(
            "assume-policy",
            [
                iam.allow(
                    list(TRUST_ACTIONS),
                    [r.arn for r in self.protected_roles.values()],
                    conditions=source_identity_condition(settings.source_identity_prefix),
                    sid="AssumeProtectedRoles",
                )
            ],
        )
        api = HttpApi(
            f"{name}-api",
            self.function.function,
            [ApiRoute(r) for r in TVM_ROUTES],
            settings.throttle,
            platform,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if platform.observability.alarms_enabled:
            self._alarms(name, settings, platform)
        self.endpoint = api.endpoint
        self.identity_sources = identities.names()
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "sessionsTable": self.sessions_table.name,
                "approvalsTable": self.approvals_table.name,
                "identitySources": self.identity_sources,
                "protectedRoleArns": {n: r.arn for n, r in self.protected_roles.items()},
                "authorizerFunctionArn": self.authorizer.function_arn,
            }
        )

    @staticmethod
    def _identity_statements(identities: TvmIdentitySettings, platform: Platform) -> list[iam.Statement]:
        """``iam:GetRole`` where the TVM verifies a role caller: Identity Center's reserved path
        (a role of that name elsewhere is then not even readable) and the listed roles."""
        roles: list[pulumi.Input[str]] = list(identities.roles)
        if identities.identity_center.enabled:
            roles.append(
                pulumi.Output.concat(
                    "arn:", platform.partition, ":iam::", platform.account_id, ":role/", SSO_ROLE_PATH, "*"
                )
            )
        return [iam.allow(["iam:GetRole"], roles, sid="VerifyRoleCallers")] if roles else []

    def _guarded(self, parameter_arn: pulumi.Output[str]) -> TvmResources:
        guarded = TvmResources()
        for table in (self.sessions_table, self.approvals_table, self.breakglass_table):
            guarded.add("dynamodb", table.arn, pulumi.Output.concat(table.arn, "/*"))
        guarded.add("ssm", parameter_arn, pulumi.Output.concat(parameter_arn, "/*"))
        guarded.add("lambda", self.function.function.arn, self.authorizer.function_arn)
        guarded.add("iam", self.function.role.arn, self.authorizer.role_arn)
        return guarded

    def _table(self, name: str, kind: str, key: str, platform: Platform, ttl: bool) -> aws.dynamodb.Table:
        protected = platform.protection.deletion_protection
        return aws.dynamodb.Table(
            f"{name}-{kind}",
            billing_mode="PAY_PER_REQUEST",
            hash_key=key,
            attributes=[aws.dynamodb.TableAttributeArgs(name=key, type="S")],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True) if ttl else None,
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            deletion_protection_enabled=protected,
            opts=pulumi.ResourceOptions(parent=self, protect=protected),
        )

    def _rules_parameter(
        self, name: str, profile: TvmProfileSettings, role_arn: pulumi.Output[str], root: str
    ) -> aws.ssm.Parameter:
        document = profile.rules_document()
        value = role_arn.apply(lambda arn: json.dumps(profile.rules_document(arn), sort_keys=True))
        # The role ARN is not known yet; leave room for the longest one.
        tier = "Standard" if len(json.dumps(document)) + 600 <= SSM_STANDARD_LIMIT else "Advanced"
        return aws.ssm.Parameter(
            f"{name}-profile-{profile.name}-rules",
            name=f"{root}/{profile.name}",
            type="String",
            tier=tier,
            value=value,
            description=f"TVM access rules of profile {profile.name}",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _alarms(self, name: str, settings: TvmSettings, platform: Platform) -> None:
        function_name, alarms = self.function.function.name, settings.alarms
        failed = f"{name}: more than {alarms.error_rate_percent} % of invocations failed"
        metric_alarm(
            f"{name}-error-rate-alarm",
            failed,
            alarms.error_rate_percent,
            platform,
            self,
            comparison=ABOVE,
            queries=[
                query("errors", lambda_metric("Errors", function_name), 300),
                query("invocations", lambda_metric("Invocations", function_name), 300),
                expression("rate", "IF(invocations > 0, 100 * errors / invocations, 0)", "Error rate (%)"),
            ],
        )
        metric_alarm(
            f"{name}-p99-duration-alarm",
            f"{name}: p99 duration above {alarms.p99_duration_ms} ms",
            alarms.p99_duration_ms,
            platform,
            self,
            lambda_metric("Duration", function_name, extended_statistic="p99"),
            comparison=ABOVE,
        )
        if settings.reserved_concurrency:
            metric_alarm(
                f"{name}-concurrency-alarm",
                f"{name}: concurrent executions near the reserved limit ({settings.reserved_concurrency})",
                settings.reserved_concurrency * alarms.concurrency_percent / 100,
                platform,
                self,
                lambda_metric("ConcurrentExecutions", function_name, statistic="Maximum"),
            )
