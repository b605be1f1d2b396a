"""iam-role-trust-no-wildcard, driven through the engine's request sequence."""

import pytest
from pulumi.runtime.rpc import UNKNOWN

from preview.analysis import analyze

POLICY = "iam-role-trust-no-wildcard"
ROLE = "aws:iam/role:Role"
OWN_ACCOUNT, OTHER_ACCOUNT = "111111111111", "222222222222"
ORG = {POLICY: {"accountIds": [OWN_ACCOUNT]}}


def allow(principal=None, action="sts:AssumeRole", **extra):
    statement = {"Effect": "Allow", "Action": action, **extra}
    if principal is not None:
        statement["Principal"] = principal
    return statement


def role(record, policy, name="tvm-protected-role"):
    return record(ROLE, name, {"assumeRolePolicy": policy})


def messages(records, pack_config=None):
    return [v.message.split("\n", 1)[1] for v in analyze(records, pack_config) if v.policy == POLICY]


def test_service_principal_passes(record, trust_policy):
    assert analyze([role(record, trust_policy(allow({"Service": "lambda.amazonaws.com"})))]) == []


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111111111111:root", "*"]}])
def test_any_principal_fires(record, trust_policy, principal):
    resource = role(record, trust_policy(allow(principal, Sid="Anyone")))

    [violation] = analyze([resource])

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "mandatory", resource["urn"])
    assert 'statement "Anyone" trusts any principal ("*")' in violation.message


def test_not_principal_with_allow_fires(record, trust_policy):
    statement = allow(NotPrincipal={"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:role/admin"})

    assert messages([role(record, trust_policy(statement))]) == [
        "statement [0] uses NotPrincipal with Allow, which trusts every principal it does not list; "
        "list the trusted principals in Principal instead"
    ]


@pytest.mark.parametrize("action", ["sts:*", "*", ["sts:TagSession", "STS:*"]])
def test_wildcard_action_fires(record, trust_policy, action):
    statement = allow({"Service": "lambda.amazonaws.com"}, action=action)

    [message] = messages([role(record, trust_policy(statement))])
    assert message.startswith("statement [0] allows action ")


def test_not_action_with_allow_fires(record, trust_policy):
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "NotAction": "iam:*"}

    assert messages([role(record, trust_policy(statement))]) == [
        "statement [0] uses NotAction with Allow, which allows every action it does not list; "
        "list the sts actions in Action instead"
    ]


def test_deny_statements_are_not_trust(record, trust_policy):
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}
    assert analyze([role(record, trust_policy(allow({"Service": "lambda.amazonaws.com"}), deny))]) == []


@pytest.mark.parametrize(
    "principal",
    [
        OTHER_ACCOUNT,
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer",
        f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/deployer/session",
    ],
)
def test_other_account_without_guard_fires(record, trust_policy, principal):
    resource = role(record, trust_policy(allow({"AWS": principal}, Sid="Partner")))

    assert messages([resource], ORG) == [
        f'statement "Partner" trusts {principal} in account {OTHER_ACCOUNT}, outside accountIds, '
        f"without an sts:ExternalId or aws:PrincipalOrgID condition; add one (or add the account to accountIds "
        f"if it is yours)"
    ]


@pytest.mark.parametrize(
    "condition",
    [{"StringEquals": {"sts:ExternalId": "partner-7"}}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}],
)
def test_other_account_with_guard_passes(record, trust_policy, condition):
    statement = allow({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, Condition=condition)

    assert analyze([role(record, trust_policy(statement))], ORG) == []


def test_own_account_listed_in_account_ids_passes(record, trust_policy):
    statement = allow({"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:role/tvm-fn-role-1a2b3c4"})

    assert analyze([role(record, trust_policy(statement))], ORG) == []


def test_cross_account_check_is_skipped_while_no_account_is_known(record, trust_policy):
    # no accountIds and no known ARN in the stack (a first preview): nothing tells which account is ours
    assert analyze([role(record, trust_policy(allow({"AWS": OTHER_ACCOUNT})))]) == []


def test_one_report_per_problem_each_naming_its_statement(record, trust_policy):
    policy = trust_policy(allow({"Service": "lambda.amazonaws.com"}, Sid="Lambda"), allow("*", action="sts:*"))

    assert messages([role(record, policy)]) == [
        'statement [1] allows action "sts:*"; name the sts actions the role needs',
        'statement [1] trusts any principal ("*"); name the roles, accounts or services that may assume the role',
    ]


def test_policy_that_is_not_json_is_a_violation_not_a_crash(record):
    [message] = messages([role(record, "{not json")])

    assert message.startswith("assumeRolePolicy is not a valid policy document: not valid JSON")


def test_unknown_trust_policy_is_an_advisory_cant_run_diagnostic_naming_the_role(record, trust_policy):
    # a stack policy (it infers the stack's accounts): the known roles are still judged
    unknown, wide = role(record, UNKNOWN), role(record, trust_policy(allow("*")), name="wide-role")

    violations = [v for v in analyze([unknown, wide]) if v.policy == POLICY]

    assert [(v.level, v.urn) for v in violations] == [
        ("mandatory", wide["urn"]),
        ("advisory", "urn:pulumi:dev::iam-platform::pulumi:pulumi:Stack::iam-platform-dev"),
    ]
    assert violations[1].message == (
        f"can't run policy '{POLICY}' from policy pack 'iam-platform-guardrails@v0.0.1' during preview: "
        'string value at .assumeRolePolicy can\'t be known during preview (role "tvm-protected-role")'
    )


# --- another account, without accountIds: the stack's own accounts from its ARNs -----------------


def own_function(record):
    return record(
        "aws:lambda/function:Function",
        "app-fn",
        {"role": "r"},
        {"arn": f"arn:aws:lambda:eu-west-1:{OWN_ACCOUNT}:function:app-fn-1a2b3c4"},
    )


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{OTHER_ACCOUNT}:root", OTHER_ACCOUNT])
def test_a_foreign_account_is_judged_without_account_ids(record, trust_policy, principal):
    [message] = messages([own_function(record), role(record, trust_policy(allow({"AWS": principal})))])

    assert message.startswith(
        f"statement [0] trusts {principal} in account {OTHER_ACCOUNT}, outside this stack's "
        f"account ({OWN_ACCOUNT}, from its resources' ARNs), without an sts:ExternalId"
    )


def test_the_stacks_own_account_and_guarded_foreign_accounts_pass(record, trust_policy):
    own = allow({"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:root"})
    guarded = allow(
        {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, Condition={"StringEquals": {"sts:ExternalId": "partner-7f3a"}}
    )
    assert messages([own_function(record), role(record, trust_policy(own, guarded))]) == []


def test_account_ids_when_given_replace_the_inferred_accounts(record, trust_policy):
    statement = allow({"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:root"})
    [message] = messages(
        [own_function(record), role(record, trust_policy(statement))], {POLICY: {"accountIds": [OTHER_ACCOUNT]}}
    )
    assert "outside accountIds" in message


# --- federated principals: OIDC issuers' claims, any condition for the rest ---------------------


def provider(host):
    return f"arn:aws:iam::{OWN_ACCOUNT}:oidc-provider/{host}"


GITHUB = "token.actions.githubusercontent.com"
EKS = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


def web_identity(host, **operators):
    principal = {
        "Federated": host if host in ("accounts.google.com", "cognito-identity.amazonaws.com") else provider(host)
    }
    return allow(principal, action="sts:AssumeRoleWithWebIdentity", **({"Condition": operators} if operators else {}))


@pytest.mark.parametrize(
    "host, condition",
    [
        (
            GITHUB,
            {
                "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GITHUB}:sub": "repo:octo-org/deploy:ref:refs/heads/main"},
            },
        ),
        (
            GITHUB,
            {
                "StringEquals": {
                    f"{GITHUB}:aud": "sts.amazonaws.com",
                    f"{GITHUB}:sub": "repo:octo-org/deploy:environment:prod",
                }
            },
        ),
        (
            f"{GITHUB}/octo-enterprise",
            {
                "StringEquals": {f"{GITHUB}/octo-enterprise:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GITHUB}/octo-enterprise:sub": "repo:octo-org/deploy:*"},
            },
        ),
        (
            "gitlab.com",
            {
                "StringEquals": {"gitlab.com:aud": "https://gitlab.com"},
                "StringLike": {"gitlab.com:sub": "project_path:group/sub/app:ref_type:branch:ref:main"},
            },
        ),
        (
            "app.terraform.io",
            {
                "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
                "StringLike": {"app.terraform.io:sub": "organization:acme:project:*:workspace:*:run_phase:*"},
            },
        ),
        (
            EKS,
            {"StringEquals": {f"{EKS}:sub": "system:serviceaccount:payments:api", f"{EKS}:aud": "sts.amazonaws.com"}},
        ),
        (
            "accounts.google.com",
            {"StringEquals": {"accounts.google.com:aud": "123456789012-abc.apps.googleusercontent.com"}},
        ),
    ],
)
def test_pinned_web_identity_trust_passes(record, trust_policy, host, condition):
    assert messages([role(record, trust_policy(web_identity(host, **condition)))]) == []


@pytest.mark.parametrize(
    "host, condition, expected",
    [
        (GITHUB, {}, "without a condition on aud"),
        (GITHUB, {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}, "without a condition on sub"),
        (
            GITHUB,
            {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GITHUB}:sub": "*"}},
            'for sub "*"',
        ),
        (
            GITHUB,
            {
                "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GITHUB}:sub": "repo:octo-org/*"},
            },
            'for sub "repo:octo-org/*"',
        ),
        (
            GITHUB,
            {
                "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GITHUB}:sub": ["repo:octo-org/deploy:*", "repo:*"]},
            },
            'for sub "repo:*"',
        ),
        (
            GITHUB,
            {
                "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                "StringLikeIfExists": {f"{GITHUB}:sub": "repo:octo-org/deploy:*"},
            },
            "without a condition on sub",
        ),
        (
            "gitlab.com",
            {
                "StringEquals": {"gitlab.com:aud": "https://gitlab.com"},
                "StringLike": {"gitlab.com:sub": "project_path:*"},
            },
            'for sub "project_path:*"',
        ),
        (
            "app.terraform.io",
            {
                "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
                "StringLike": {"app.terraform.io:sub": "organization:*:project:*"},
            },
            "organization:*",
        ),
        (EKS, {"StringEquals": {f"{EKS}:aud": "sts.amazonaws.com"}}, "without a condition on sub"),
        ("accounts.google.com", {}, "without a condition on aud"),
    ],
)
def test_web_identity_trust_that_does_not_pin_the_caller_fires(record, trust_policy, host, condition, expected):
    found = messages([role(record, trust_policy(web_identity(host, **condition)))])
    assert found and expected in found[0], found


@pytest.mark.parametrize(
    "principal",
    [f"arn:aws:iam::{OWN_ACCOUNT}:saml-provider/okta", f"arn:aws:iam::{OWN_ACCOUNT}:oidc-provider/auth.example.com"],
)
def test_any_other_federated_principal_needs_a_condition(record, trust_policy, principal):
    statement = allow({"Federated": principal}, action=["sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"])
    [message] = messages([role(record, trust_policy(statement))])
    assert f"trusts the federated principal {principal} without any condition" in message

    statement["Condition"] = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    assert messages([role(record, trust_policy(statement))]) == []
