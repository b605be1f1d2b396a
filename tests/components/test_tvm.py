"""The TVM's graph: routes, trust policies, the TVM role's scope, tables, rules parameters, alarms."""

import json
import textwrap
from fnmatch import fnmatchcase

import pytest

from components.http_api import ApiRoute
from components.settings import StackConfigError
from lambdas.tvm.rules import parse_rules_document
from preview.recorder import run_program
from tests.support.harness import one, policy_of, run_stack

ROLE, POLICY, TABLE = "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:dynamodb/table:Table"
PARAMETER, FUNCTION = "aws:ssm/parameter:Parameter", "aws:lambda/function:Function"
ROUTES = {
    "GET /",
    "POST /",
    "GET /profiles",
    "POST /approvals",
    "POST /approvals/{id}/approve",
    "POST /approvals/{id}/deny",
}
PROFILE = {
    "name": "ops",
    "rules": {"rules": [{"name": "all", "effect": "allow", "users": ["*"]}]},
    "permissions": {"managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
}


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


def tvm_records(run, type_):
    return [r for r in run.of_type(type_) if r["name"].startswith("tvm-")]


def test_dev_ships_two_profiles(dev):
    roles = {r["name"] for r in dev.of_type("iam-platform:tvm:ProtectedRole")}
    assert roles == {"tvm-profile-readonly", "tvm-profile-deploy"}
    assert set(dev.outputs["tvmProtectedRoleArns"]) == {"readonly", "deploy"}
    assert dev.outputs["tvmEndpoint"] == one(dev, "aws:apigatewayv2/api:Api", "tvm-api")["outputs"]["apiEndpoint"]


def test_every_route_uses_iam_auth_and_the_tvm_function(dev):
    routes = tvm_records(dev, "aws:apigatewayv2/route:Route")
    integration = one(dev, "aws:apigatewayv2/integration:Integration", "tvm-api-integration")
    assert {r["inputs"]["routeKey"] for r in routes} == ROUTES
    assert {r["inputs"]["authorizationType"] for r in routes} == {"AWS_IAM"}
    assert {r["inputs"]["target"] for r in routes} == {"integrations/" + integration["id"]}
    function = one(dev, FUNCTION, "tvm-fn-function")
    assert integration["inputs"]["integrationUri"] == function["outputs"]["arn"]
    assert (integration["inputs"]["integrationType"], integration["inputs"]["payloadFormatVersion"]) == (
        "AWS_PROXY",
        "2.0",
    )


def test_invoke_permissions_name_this_api(dev):
    api = one(dev, "aws:apigatewayv2/api:Api", "tvm-api")["outputs"]["executionArn"]
    permissions = tvm_records(dev, "aws:lambda/permission:Permission")
    assert len(permissions) == len(ROUTES)
    assert {p["inputs"]["sourceArn"] for p in permissions} == {
        f"{api}/*/{path}"
        for path in (
            "GET/",
            "POST/",
            "GET/profiles",
            "POST/approvals",
            "POST/approvals/*/approve",
            "POST/approvals/*/deny",
        )
    }


def test_invoke_permission_matches_the_arn_api_gateway_presents_for_a_path_parameter():
    """API Gateway calls Lambda with the request's own path (``.../POST/approvals/ab12/approve``);
    a permission written with a literal ``{id}`` never matches it."""
    pattern = ApiRoute("POST /approvals/{id}/approve").invoke_path
    assert fnmatchcase("POST/approvals/ab12/approve", pattern)
    assert not fnmatchcase("POST/approvals/ab12/deny", pattern)
    assert ApiRoute("ANY /files/{proxy+}").invoke_path == "ANY/files/*"


def test_stage_auto_deploys_with_logs_and_throttling(dev):
    stage = one(dev, "aws:apigatewayv2/stage:Stage", "tvm-api-stage")["inputs"]
    assert (stage["name"], stage["autoDeploy"]) == ("$default", True)
    assert stage["defaultRouteSettings"] == {"throttlingBurstLimit": 20, "throttlingRateLimit": 10}
    assert (
        stage["accessLogSettings"]["destinationArn"]
        == one(dev, "aws:cloudwatch/logGroup:LogGroup", "tvm-api-access-logs")["outputs"]["arn"]
    )


def test_protected_role_trusts_the_tvm_role_alone(dev):
    tvm_role = one(dev, ROLE, "tvm-fn-role")["outputs"]["arn"]
    for profile in ("readonly", "deploy"):
        role = one(dev, ROLE, f"tvm-profile-{profile}-role")
        assert policy_of(role, "assumeRolePolicy") == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": [tvm_role]},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                    "Condition": {"StringLike": {"sts:SourceIdentity": "sentinel.*"}},
                }
            ],
        }
        assert role["inputs"]["tags"]["iam-platform:protected"] == "true"
        assert role["inputs"]["maxSessionDuration"] == 3600


def test_protected_role_permissions(dev):
    attachment = one(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "tvm-profile-readonly-managed-0")
    assert attachment["inputs"]["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert attachment["inputs"]["role"] == one(dev, ROLE, "tvm-profile-readonly-role")["outputs"]["name"]
    [statement] = policy_of(one(dev, POLICY, "tvm-profile-deploy-policy"), "policy")["Statement"]
    assert statement["Sid"] == "DeployFunctions"
    assert statement["Action"] == ["lambda:GetFunction", "lambda:UpdateFunctionCode"]


def test_the_tvm_role_is_tagged_for_the_pack(dev):
    assert one(dev, ROLE, "tvm-fn-role")["inputs"]["tags"] == {"iam-platform:tvm": "true"}
    assert "tags" not in one(dev, ROLE, "tvm-authorizer-fn-role")["inputs"]


def test_tvm_role_may_assume_only_this_stacks_protected_roles(dev):
    protected = sorted(one(dev, ROLE, f"tvm-profile-{p}-role")["outputs"]["arn"] for p in ("readonly", "deploy"))
    [statement] = policy_of(one(dev, POLICY, "tvm-fn-assume-policy"), "policy")["Statement"]
    assert sorted(statement["Resource"]) == protected
    assert statement["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    assert statement["Condition"] == {"StringLike": {"sts:SourceIdentity": "sentinel.*"}}


def test_tvm_role_reads_its_ssm_path_and_uses_its_tables_only(dev):
    statements = policy_of(one(dev, POLICY, "tvm-fn-policy"), "policy")["Statement"]
    by_sid = {s.get("Sid"): s for s in statements}
    tables = sorted(one(dev, TABLE, f"tvm-{t}")["outputs"]["arn"] for t in ("sessions", "approvals"))
    assert sorted(by_sid["OwnTables"]["Resource"]) == tables
    assert by_sid["OwnTables"]["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    assert by_sid["ReadRules"]["Resource"] == ["arn:aws:ssm:eu-west-1:123456789012:parameter/sentinel/policies/*"]
    assert by_sid["ListProfiles"]["Resource"] == ["arn:aws:ssm:eu-west-1:123456789012:parameter/sentinel/policies"]
    actions = {a for s in statements for a in s["Action"]}
    assert not {a for a in actions if a.startswith("sts:") or a.endswith("*")}
    assert not any(r == "*" for s in statements if s.get("Sid") for r in s["Resource"])


def test_tables_have_ttl_pitr_and_encryption(dev):
    for kind, key in (("sessions", "session_id"), ("approvals", "approval_id"), ("breakglass", "event_id")):
        table = one(dev, TABLE, f"tvm-{kind}")["inputs"]
        assert (table["hashKey"], table["billingMode"]) == (key, "PAY_PER_REQUEST")
        assert table["pointInTimeRecovery"] == {"enabled": True}
        assert table["serverSideEncryption"] == {"enabled": True}
    assert one(dev, TABLE, "tvm-sessions")["inputs"]["ttl"] == {"attributeName": "expires_at", "enabled": True}


def test_rules_parameters_hold_valid_documents_naming_their_role(dev):
    for profile in ("readonly", "deploy"):
        parameter = one(dev, PARAMETER, f"tvm-profile-{profile}-rules")["inputs"]
        assert parameter["name"] == f"/sentinel/policies/{profile}" and parameter["type"] == "String"
        document = parse_rules_document(parameter["value"])
        assert document.role_arn == one(dev, ROLE, f"tvm-profile-{profile}-role")["outputs"]["arn"]
        assert document.max_duration == 3600
    deploy = parse_rules_document(one(dev, PARAMETER, "tvm-profile-deploy-rules")["inputs"]["value"])
    assert [r.name for r in deploy.rules] == ["no-contractors", "office-hours", "out-of-hours"]


def test_function_environment(dev):
    env = one(dev, FUNCTION, "tvm-fn-function")["inputs"]["environment"]["variables"]
    assert env["TVM_SESSION_TABLE"] == one(dev, TABLE, "tvm-sessions")["outputs"]["name"]
    assert env["TVM_APPROVAL_TABLE"] == one(dev, TABLE, "tvm-approvals")["outputs"]["name"]
    assert (env["TVM_PARAMETER_ROOT"], env["TVM_SOURCE_IDENTITY_PREFIX"], env["TVM_DEFAULT_DURATION_SECONDS"]) == (
        "/sentinel/policies",
        "sentinel",
        "900",
    )
    assert one(dev, FUNCTION, "tvm-fn-function")["inputs"]["handler"] == "lambdas.tvm.handler.handler"


def test_identity_sources_reach_the_function_and_its_permissions(dev):
    env = one(dev, FUNCTION, "tvm-fn-function")["inputs"]["environment"]["variables"]
    assert json.loads(env["TVM_IDENTITIES"]) == {
        "iamUsers": {"enabled": True, "accounts": []},
        "identityCenter": {"enabled": True},
        "roles": [],
    }
    statements = policy_of(one(dev, POLICY, "tvm-fn-policy"), "policy")["Statement"]
    [verify] = [s for s in statements if s.get("Sid") == "VerifyRoleCallers"]
    # Only Identity Center's reserved path: a role named AWSReservedSSO_* elsewhere is not even readable.
    assert verify == {
        "Sid": "VerifyRoleCallers",
        "Effect": "Allow",
        "Action": ["iam:GetRole"],
        "Resource": ["arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*"],
    }
    assert dev.outputs["tvmIdentitySources"] == ["iam-user (this account)", "sso (IAM Identity Center)"]


def test_listed_roles_and_other_accounts_reach_the_function():
    role = "arn:aws:iam::123456789012:role/people/engineers"
    run = run_stack(
        "dev",
        {
            "iam-platform:tvm": {
                "enabled": True,
                "profiles": [PROFILE],
                "identities": {
                    "iamUsers": {"accounts": ["210987654321"]},
                    "identityCenter": {"enabled": False},
                    "roles": [role],
                },
            }
        },
    )
    env = json.loads(one(run, FUNCTION, "tvm-fn-function")["inputs"]["environment"]["variables"]["TVM_IDENTITIES"])
    assert env == {
        "iamUsers": {"enabled": True, "accounts": ["210987654321"]},
        "identityCenter": {"enabled": False},
        "roles": [role],
    }
    statements = policy_of(one(run, POLICY, "tvm-fn-policy"), "policy")["Statement"]
    assert [s["Resource"] for s in statements if s.get("Sid") == "VerifyRoleCallers"] == [[role]]


def test_every_protected_role_is_denied_the_tvms_own_resources(dev):
    tables = [one(dev, TABLE, f"tvm-{t}")["outputs"]["arn"] for t in ("sessions", "approvals", "breakglass")]
    rules = "arn:aws:ssm:eu-west-1:123456789012:parameter/sentinel/policies"
    functions = [one(dev, FUNCTION, f)["outputs"]["arn"] for f in ("tvm-fn-function", "tvm-authorizer-fn-function")]
    roles = [one(dev, ROLE, r)["outputs"]["arn"] for r in ("tvm-fn-role", "tvm-authorizer-fn-role")]
    for profile in ("readonly", "deploy"):
        denials = {
            s["Sid"]: s for s in policy_of(one(dev, POLICY, f"tvm-profile-{profile}-guard"), "policy")["Statement"]
        }
        assert all(s["Effect"] == "Deny" for s in denials.values())
        assert denials["NoTvmDynamodb"]["Action"] == ["dynamodb:*"]
        assert sorted(denials["NoTvmDynamodb"]["Resource"]) == sorted(tables + [f"{t}/*" for t in tables])
        assert denials["NoTvmSsm"]["Resource"] == [rules, f"{rules}/*"]
        assert sorted(denials["NoTvmLambda"]["Resource"]) == sorted(functions)
        assert sorted(denials["NoTvmIam"]["Resource"]) == sorted(roles)
        guard = one(dev, POLICY, f"tvm-profile-{profile}-guard")["inputs"]["role"]
        assert guard == one(dev, ROLE, f"tvm-profile-{profile}-role")["outputs"]["name"]


def test_authorizer_reads_only_the_sessions_table(dev):
    function = one(dev, FUNCTION, "tvm-authorizer-fn-function")["inputs"]
    assert function["handler"] == "lambdas.authorizer.handler.handler"
    assert "lambdas/common/sessions.py" in function["code"]["assets"]
    sessions = one(dev, TABLE, "tvm-sessions")["outputs"]
    assert function["environment"]["variables"]["TVM_SESSION_TABLE"] == sessions["name"]
    statements = policy_of(one(dev, POLICY, "tvm-authorizer-fn-policy"), "policy")["Statement"]
    assert {"Action": ["dynamodb:GetItem"], "Effect": "Allow", "Resource": [sessions["arn"]]} in statements
    assert not [s for s in statements if any(a.startswith(("sts:", "ssm:")) for a in s["Action"])]


def test_settings_reach_the_resources():
    run = run_stack(
        "dev",
        {
            "iam-platform:tvm": {
                "enabled": True,
                "profiles": [{**PROFILE, "maxDurationSeconds": 7200}],
                "sourceIdentityPrefix": "corp",
                "parameterRoot": "/corp/tvm",
                "defaultDurationSeconds": 1200,
            }
        },
    )
    trust = policy_of(one(run, ROLE, "tvm-profile-ops-role"), "assumeRolePolicy")["Statement"][0]
    assert trust["Condition"] == {"StringLike": {"sts:SourceIdentity": "corp.*"}}
    assert one(run, ROLE, "tvm-profile-ops-role")["inputs"]["maxSessionDuration"] == 7200
    parameter = one(run, PARAMETER, "tvm-profile-ops-rules")["inputs"]
    assert parameter["name"] == "/corp/tvm/ops" and json.loads(parameter["value"])["max_duration"] == 7200
    env = one(run, FUNCTION, "tvm-fn-function")["inputs"]["environment"]["variables"]
    assert (env["TVM_SOURCE_IDENTITY_PREFIX"], env["TVM_PARAMETER_ROOT"], env["TVM_DEFAULT_DURATION_SECONDS"]) == (
        "corp",
        "/corp/tvm",
        "1200",
    )


def test_alarms_when_enabled():
    run = run_stack(
        "dev",
        {
            "iam-platform:observability": {"alarmsEnabled": True},
            "iam-platform:tvm": {
                "enabled": True,
                "profiles": [PROFILE],
                "reservedConcurrency": 10,
                "alarms": {"p99DurationMs": 400},
            },
        },
    )
    alarms = {
        a["name"]: a["inputs"]
        for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a["name"].startswith("tvm-")
        and not a["name"].startswith("tvm-fn-")
        and not a["name"].startswith("tvm-authorizer")
    }
    assert set(alarms) == {"tvm-error-rate-alarm", "tvm-p99-duration-alarm", "tvm-concurrency-alarm"}
    assert alarms["tvm-error-rate-alarm"]["threshold"] == 1
    rate = [q for q in alarms["tvm-error-rate-alarm"]["metricQueries"] if q.get("returnData")]
    assert rate[0]["expression"] == "IF(invocations > 0, 100 * errors / invocations, 0)"
    assert (alarms["tvm-p99-duration-alarm"]["extendedStatistic"], alarms["tvm-p99-duration-alarm"]["threshold"]) == (
        "p99",
        400,
    )
    assert alarms["tvm-concurrency-alarm"]["threshold"] == 8
    assert one(run, FUNCTION, "tvm-fn-function")["inputs"]["reservedConcurrentExecutions"] == 10


def test_prod_protects_the_tables():
    run = run_stack("prod", {"iam-platform:tvm": {"enabled": True, "profiles": [PROFILE]}})
    for kind in ("sessions", "approvals", "breakglass"):
        table = one(run, TABLE, f"tvm-{kind}")
        assert table["protect"] is True and table["inputs"]["deletionProtectionEnabled"] is True


def test_disabled_tvm_declares_nothing():
    run = run_stack("dev", {"iam-platform:tvm": {"enabled": False}})
    assert not [r for r in run.records if "tvm" in r["urn"]]
    assert not [k for k in run.outputs if k.startswith("tvm")]


@pytest.mark.parametrize(
    "tvm, expected",
    [
        ({"enabled": True}, "needs at least one profile"),
        (
            {
                "enabled": True,
                "profiles": [{**PROFILE, "rules": {"rules": [{"name": "x", "effect": "allow", "users": []}]}}],
            },
            "profile ops",
        ),
        ({"enabled": True, "profiles": [{**PROFILE, "rulesFile": "tvm-rules/dev-deploy.yaml"}]}, "exactly one"),
        ({"enabled": True, "profiles": [{**PROFILE, "rulesFile": "nope.yaml", "rules": None}]}, "not found"),
        (
            {"enabled": True, "profiles": [{**PROFILE, "rules": {"role_arn": "arn:aws:iam::1:role/x", "rules": []}}]},
            "come from the profile",
        ),
        ({"enabled": True, "profiles": [PROFILE, PROFILE]}, "unique"),
        ({"enabled": True, "profiles": [{**PROFILE, "name": "arn:aws:iam::1:role/x"}]}, "name"),
        ({"enabled": True, "profiles": [{**PROFILE, "permissions": {}}]}, "managedPolicyArns"),
        ({"sourceIdentityPrefix": "a:b"}, "sourceIdentityPrefix"),
        ({"parameterRoot": "sentinel"}, "parameterRoot"),
        ({"defaultDurationSeconds": 60}, "defaultDurationSeconds"),
        ({"profile": []}, "unknown setting"),
        ({"identities": {"iamUsers": {"enabled": False}, "identityCenter": {"enabled": False}}}, "identity source"),
        ({"identities": {"iamUsers": {"accounts": ["12345"]}}}, "12-digit"),
        ({"identities": {"roles": ["arn:aws:iam::123456789012:user/alice"]}}, "role ARN"),
        ({"identities": {"federatedUsers": True}}, "unknown setting"),
    ],
)
def test_bad_settings_fail_with_one_clear_line(tvm, expected):
    with pytest.raises(StackConfigError) as caught:
        run_stack("dev", {"iam-platform:tvm": tvm})
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_session_authorizer_attaches_to_another_api(tmp_path):
    (tmp_path / "__main__.py").write_text(
        textwrap.dedent("""
        import pulumi, pulumi_aws as aws
        from components.settings import load_stack_config
        from components.platform import Platform
        from components.session_authorizer import SessionAuthorizer
        config = load_stack_config()
        platform = Platform.for_stack(config)
        table = aws.dynamodb.Table("sessions", hash_key="session_id",
                                   attributes=[aws.dynamodb.TableAttributeArgs(name="session_id", type="S")])
        authorizer = SessionAuthorizer("sa", table, platform)
        api = aws.apigatewayv2.Api("downstream", protocol_type="HTTP")
        attached = authorizer.attach("downstream-sessions", api.id, api.execution_arn)
        pulumi.export("authorizerId", attached.id)
    """)
    )
    run = run_program(tmp_path, "iam-platform", "dev", {"aws:region": "eu-west-1"})
    authorizer = one(run, "aws:apigatewayv2/authorizer:Authorizer", "downstream-sessions")["inputs"]
    function = one(run, FUNCTION, "sa-fn-function")["outputs"]
    assert authorizer["authorizerType"] == "REQUEST" and authorizer["authorizerUri"] == function["invokeArn"]
    assert (
        authorizer["authorizerPayloadFormatVersion"],
        authorizer["enableSimpleResponses"],
        authorizer["authorizerResultTtlInSeconds"],
    ) == ("2.0", True, 0)
    permission = one(run, "aws:lambda/permission:Permission", "downstream-sessions-invoke")["inputs"]
    api = one(run, "aws:apigatewayv2/api:Api", "downstream")["outputs"]["executionArn"]
    assert permission["sourceArn"] == f"{api}/authorizers/{run.outputs['authorizerId']}"
    assert permission["function"] == function["name"]
