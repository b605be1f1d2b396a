"""The verdict as a pure function of the evidence: every verdict and every rule's order."""

from datetime import UTC, datetime, timedelta

import pytest

from cli.kms_doctor.evidence import Evidence, FunctionFacts, GrantFacts, KeyFacts, RoleFacts
from cli.kms_doctor.permissions import check_decrypt
from cli.kms_doctor.verdict import PROPAGATION_WINDOW, classify_grants, diagnose
from tests.support.constants import ACCOUNT_ID

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/app-role"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/0b5b7a8e-9c3a-4b6f-8d2e-1f0a9c8b7d6e"
FUNCTION_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:app"
DELEGATING_KEY_POLICY = {
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"}
    ]
}
ROLE_DECRYPTS = {"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY_ARN]}]}
ROLE_CREATED = NOW - timedelta(days=1)


def evidence(
    state="Active",
    update="Successful",
    reason=None,
    key=True,
    role_exists=True,
    key_policy=DELEGATING_KEY_POLICY,
    role_policies=(ROLE_DECRYPTS,),
    grants=(),
):
    function = FunctionFacts(
        name="app",
        arn=FUNCTION_ARN,
        package_type="Zip",
        role_arn=ROLE_ARN,
        state=state,
        state_reason_code=reason,
        last_update_status=update,
        environment_key_arn=KEY_ARN if key else None,
    )
    role = (
        RoleFacts(
            arn=ROLE_ARN,
            name="app-role",
            exists=True,
            role_id="AROACURRENT00000000000",
            create_date=ROLE_CREATED,
            policies=tuple(role_policies),
        )
        if role_exists
        else RoleFacts(arn=ROLE_ARN, name="app-role", exists=False)
    )
    return Evidence(
        function=function,
        role=role,
        key=KeyFacts(arn=KEY_ARN, source="environment", policy=key_policy) if key else None,
        grants=tuple(grants),
    )


def grant(grant_id, grantee=ROLE_ARN, age=timedelta(hours=1), **kw):
    return GrantFacts(
        grant_id=grant_id,
        grantee=grantee,
        operations=("Decrypt",),
        creation_date=NOW - age if age is not None else None,
        **kw,
    )


def lambda_grant(
    grant_id,
    grantee=f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app-role/app",
    age=timedelta(hours=1),
    function_arn=FUNCTION_ARN,
    operations=("Decrypt", "RetireGrant"),
    constraint="EncryptionContextEquals",
    context_key="aws:lambda:FunctionArn",
):
    """The grant Lambda makes for the function's role, as ListGrants shows it (observed output in
    whatsfordinner/aws-lambda-grant-shenanigans, README.md, commit dcb0a64b220260330c923e07e0c851cf6cfab0fc):
    grantee and retiring principal the role's session named after the function; after the role is deleted,
    both read ``<old RoleId>:<function name>``."""
    return GrantFacts(
        grant_id=grant_id,
        grantee=grantee,
        operations=operations,
        name="app",
        retiring=grantee,
        creation_date=NOW - age,
        constraints={constraint: {context_key: function_arn}},
    )


def test_ok_with_a_current_grant():
    verdict = diagnose(evidence(grants=[grant("g1")]), NOW)
    assert verdict.name == "ok" and [g.grant_id for g in verdict.current_grants] == ["g1"]
    assert any("grant g1 for the current role" in fact for fact in verdict.evidence)


def test_ok_without_a_customer_managed_key():
    assert diagnose(evidence(key=False), NOW).name == "ok"


def test_unhealthy_function_without_a_key_is_unknown():
    assert diagnose(evidence(key=False, state="Failed", reason="SubnetOutOfIPAddresses"), NOW).name == "unknown"


def test_grant_older_than_the_role_is_stale():
    verdict = diagnose(evidence(grants=[grant("old", age=timedelta(days=2))]), NOW)
    assert verdict.name == "stale-grant"
    assert [g.grant_id for g in verdict.stale_grants] == ["old"]
    assert "recreated" in verdict.summary
    assert any("stale grant old" in fact and "earlier role" in fact for fact in verdict.evidence)


def test_no_grant_at_all_is_stale():
    verdict = diagnose(evidence(grants=[]), NOW)
    assert (verdict.name, verdict.stale_grants) == ("stale-grant", ())


def test_grant_to_a_deleted_principal_naming_the_function_is_stale():
    old = grant(
        "ghost",
        grantee="AROAOLDROLE0000000000",
        age=None,
        constraints={"EncryptionContextEquals": {"aws:lambda:FunctionArn": FUNCTION_ARN}},
    )
    unrelated = grant("other", grantee="AROASOMEONEELSE000000", age=None)
    current, stale = classify_grants(evidence(grants=[old, unrelated]))
    assert (current, [g.grant_id for g in stale]) == ((), ["ghost"])


def test_grant_by_role_id_counts_as_current_and_unknown_age_is_not_stale():
    current, stale = classify_grants(
        evidence(grants=[grant("by-id", grantee="AROACURRENT00000000000"), grant("no-date", age=None)])
    )
    assert ([g.grant_id for g in current], stale) == (["by-id", "no-date"], ())


def test_missing_decrypt_in_role_policy_and_no_grant():
    verdict = diagnose(evidence(role_policies=(), grants=[]), NOW)
    assert verdict.name == "missing-permission" and "neither a policy nor a grant" in verdict.summary
    assert any("no policy of the role allows kms:Decrypt" in fact for fact in verdict.evidence)


@pytest.mark.parametrize(
    "grantee",
    [
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app-role/app",  # as ListGrants shows a live role's session
        ROLE_ARN,
        "AROACURRENT00000000000",  # a role created moments ago may list by its id
        "AROACURRENT00000000000:app",
    ],
)
def test_lambdas_grant_is_permission_without_any_policy(grantee):
    verdict = diagnose(evidence(role_policies=(), grants=[lambda_grant("lambda", grantee=grantee)]), NOW)
    assert verdict.name == "ok" and "decrypts through its current grant" in verdict.summary
    assert [g.grant_id for g in verdict.current_grants] == ["lambda"]


def test_grant_of_an_earlier_role_without_any_policy_is_stale():
    old = lambda_grant("old", grantee="AROAOLDROLE0000000000:app", age=timedelta(days=3))
    verdict = diagnose(evidence(role_policies=(), grants=[old]), NOW)
    assert verdict.name == "stale-grant" and [g.grant_id for g in verdict.stale_grants] == ["old"]
    assert "depends on that grant" in verdict.summary


def test_grant_by_arn_older_than_the_role_without_any_policy_is_stale():
    verdict = diagnose(evidence(role_policies=(), grants=[lambda_grant("old", age=timedelta(days=2))]), NOW)
    assert verdict.name == "stale-grant" and [g.grant_id for g in verdict.stale_grants] == ["old"]


@pytest.mark.parametrize(
    "forged, why",
    [
        # to the role itself (its ARN), but useless to this function:
        (lambda_grant("g", ROLE_ARN, function_arn=FUNCTION_ARN.replace(":app", ":other")), "for another function"),
        (lambda_grant("g", ROLE_ARN, function_arn=FUNCTION_ARN.upper()), "context values are case-sensitive"),
        (lambda_grant("g", ROLE_ARN, operations=("Encrypt", "GenerateDataKey")), "no Decrypt"),
        (
            GrantFacts(
                grant_id="g",
                grantee=ROLE_ARN,
                operations=("Decrypt",),
                creation_date=NOW - timedelta(hours=1),
                constraints={"EncryptionContextSubset": {"aws:lambda:FunctionArn": FUNCTION_ARN, "x": "y"}},
            ),
            "a subset Lambda's context lacks",
        ),
        (lambda_grant("g", grantee=f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/other-role/app"), "for another role"),
        (lambda_grant("g", grantee="AROASOMEONEELSE000000"), "someone's unique id, naming the function"),
    ],
)
def test_grants_that_do_not_let_this_function_decrypt_are_not_permission(forged, why):
    verdict = diagnose(evidence(role_policies=(), grants=[forged]), NOW)
    assert verdict.name in ("missing-permission", "stale-grant") and verdict.current_grants == (), why
    with_policy = diagnose(evidence(grants=[forged]), NOW)
    assert with_policy.name == "stale-grant" and with_policy.current_grants == (), why


def test_grant_constraints_read_keys_case_insensitively_and_subsets():
    for grant_ in (
        lambda_grant("g", context_key="AWS:Lambda:FunctionArn"),
        lambda_grant("g", constraint="EncryptionContextSubset"),
    ):
        assert diagnose(evidence(role_policies=(), grants=[grant_]), NOW).name == "ok"


def test_explicit_deny_beats_lambdas_grant():
    deny = {"Statement": [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]}
    verdict = diagnose(evidence(role_policies=(deny,), grants=[lambda_grant("lambda")]), NOW)
    assert verdict.name == "missing-permission" and "explicit Deny" in verdict.summary


def test_unlisted_grants_without_any_policy_are_unknown():
    unlisted = Evidence(
        function=evidence().function, role=evidence(role_policies=()).role, key=evidence().key, grants_listed=False
    )
    assert diagnose(unlisted, NOW).name == "unknown"


def test_grant_to_the_role_counts_as_permission():
    assert diagnose(evidence(role_policies=(), grants=[grant("g1")]), NOW).name == "ok"


def test_key_policy_without_the_role_or_delegation():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/admin"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    }
    verdict = diagnose(evidence(key_policy=policy, grants=[]), NOW)
    assert verdict.name == "missing-permission"
    assert any("neither names the role nor delegates" in fact for fact in verdict.evidence)
    assert diagnose(evidence(key_policy=policy, grants=[lambda_grant("lambda")]), NOW).name == "ok"


def test_pending_function_is_propagating():
    assert diagnose(evidence(state="Pending", grants=[]), NOW).name == "propagating"
    assert diagnose(evidence(update="InProgress", grants=[]), NOW).name == "propagating"


def test_fresh_grant_is_propagating():
    verdict = diagnose(evidence(grants=[grant("new", age=timedelta(seconds=30))]), NOW)
    assert verdict.name == "propagating" and "30 s old" in verdict.summary
    assert diagnose(evidence(grants=[grant("new", age=PROPAGATION_WINDOW)]), NOW).name == "ok"


def test_gone_role_is_unknown():
    verdict = diagnose(evidence(role_exists=False), NOW)
    assert verdict.name == "unknown" and any("no longer exists" in fact for fact in verdict.evidence)


def test_failing_function_with_a_current_grant_is_unknown():
    verdict = diagnose(evidence(state="Inactive", reason="KMSKeyAccessDenied", grants=[grant("g1")]), NOW)
    assert verdict.name == "unknown"
    assert any("KMSKeyAccessDenied" in fact for fact in verdict.evidence)


def test_ok_mentions_leftover_stale_grants():
    verdict = diagnose(evidence(grants=[grant("g1"), grant("old", age=timedelta(days=3))]), NOW)
    assert verdict.name == "ok" and "1 leftover stale grant" in verdict.summary


@pytest.mark.parametrize(
    "key_policy, role_policies, allowed",
    [
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE_ARN},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            },
            (),
            True,
        ),
        ({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}, (), True),
        (DELEGATING_KEY_POLICY, ({"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]},), True),
        (
            DELEGATING_KEY_POLICY,
            ({"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/other"}]},),
            False,
        ),
        (
            DELEGATING_KEY_POLICY,
            (ROLE_DECRYPTS, {"Statement": [{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}]}),
            False,
        ),
        (
            {
                "Statement": [
                    *DELEGATING_KEY_POLICY["Statement"],
                    {"Effect": "Deny", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:Decrypt", "Resource": "*"},
                ]
            },
            (ROLE_DECRYPTS,),
            False,
        ),
        (None, (), None),
    ],
)
def test_decrypt_check(key_policy, role_policies, allowed):
    assert check_decrypt(KEY_ARN, key_policy, ROLE_ARN, "AROA1", ACCOUNT_ID, role_policies).allowed is allowed


def test_notes_are_evidence_whatever_the_verdict():
    unreadable = Evidence(
        function=evidence().function,
        role=evidence().role,
        key=KeyFacts(arn=KEY_ARN, source="environment", policy=None),
        notes=("could not read key x: AccessDeniedException",),
    )
    verdict = diagnose(unreadable, NOW)
    assert verdict.name == "stale-grant"  # permissions undetermined, and no grant seen
    assert "note: could not read key x: AccessDeniedException" in verdict.evidence
    assert "the key policy could not be read" in verdict.evidence


def test_unlisted_grants_are_unknown_not_stale():
    unlisted = Evidence(
        function=evidence().function,
        role=evidence().role,
        key=evidence().key,
        grants_listed=False,
        notes=("could not list the key's grants: AccessDeniedException",),
    )
    verdict = diagnose(unlisted, NOW)
    assert verdict.name == "unknown" and "kms:ListGrants" in verdict.summary
