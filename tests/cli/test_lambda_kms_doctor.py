"""The doctor end to end against moto (IAM, KMS grants, Lambda configuration, ECR).

moto's ListGrants has no CreationDate and its functions never carry a state reason: a hook
adds the creation dates real KMS returns, and botocore's Stubber plays Lambda's states.
moto neither creates Lambda's grant nor enforces grants: ``World.lambda_grant`` makes the
grant Lambda makes, and the same hook lists a grant whose role was deleted by the role's old
unique id, as real KMS does (shapes in cli/kms_doctor/grants.py, with their source).
"""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws

from cli.kms_doctor.repair import TEMP_ROLE_PREFIX, Waits
from cli.lambda_kms_doctor import main
from tests.support.constants import REGION
from tests.support.imports import assert_imports_leave_out

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class World:
    """A function, its role and key in moto, plus what real KMS would say about grant ages."""

    def __init__(self, session):
        self.session = session
        self.iam, self.kms, self.lam = session.client("iam"), session.client("kms"), session.client("lambda")
        self.grant_dates: dict[str, datetime] = {}
        self.grant_roles: dict[str, str] = {}  # grant id -> RoleId of the incarnation it was made for
        self.role_ids: dict[str, str] = {}  # role name -> RoleId now
        self.updates: list[str] = []
        session.events.register("after-call.kms.ListGrants", self._dates)
        session.events.register("provide-client-params.lambda.UpdateFunctionConfiguration", self._record_update)
        self.key_arn = self.kms.create_key(Description="app key")["KeyMetadata"]["Arn"]

    def _dates(self, parsed, **_):
        for grant in parsed.get("Grants", []):
            if grant["GrantId"] in self.grant_dates:
                grant["CreationDate"] = self.grant_dates[grant["GrantId"]]
            made_for = self.grant_roles.get(grant["GrantId"])
            if made_for is not None and made_for not in self.role_ids.values():
                session = grant["GranteePrincipal"].rsplit("/", 1)[-1]
                grant["GranteePrincipal"] = grant["RetiringPrincipal"] = f"{made_for}:{session}"

    def _record_update(self, params, **_):
        self.updates.append(params["Role"])

    def role(self, name="app-role", decrypt=True):
        role = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
        arn, self.role_ids[name] = role["Arn"], role["RoleId"]
        if decrypt:
            self.iam.put_role_policy(
                RoleName=name,
                PolicyName="kms",
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": self.key_arn}],
                    }
                ),
            )
        return arn

    def recreate_role(self, name="app-role", decrypt=True):
        if self.iam.list_role_policies(RoleName=name)["PolicyNames"]:
            self.iam.delete_role_policy(RoleName=name, PolicyName="kms")
        self.iam.delete_role(RoleName=name)
        del self.role_ids[name]
        return self.role(name, decrypt=decrypt)

    def function(self, role_arn, name="app", tags=None):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("handler.py", "def handler(event, context):\n    return {}\n")
        return self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler="handler.handler",
            Code={"ZipFile": archive.getvalue()},
            KMSKeyArn=self.key_arn,
            Tags=tags or {},
        )["FunctionArn"]

    def grant(self, grantee, shift=timedelta(0), key_arn=None):
        """A grant made now (plus ``shift``: a negative one backdates it before the role)."""
        grant_id = self.kms.create_grant(
            KeyId=key_arn or self.key_arn,
            GranteePrincipal=grantee,
            Operations=["Decrypt"],
            RetiringPrincipal="lambda.amazonaws.com",
        )["GrantId"]
        self.grant_dates[grant_id] = datetime.now(UTC) + shift
        return grant_id

    def lambda_grant(self, role_arn, function_arn, shift=timedelta(0)):
        """The grant Lambda makes for a function's role (see cli/kms_doctor/grants.py for its source)."""
        account, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        function_name = function_arn.rsplit(":", 1)[-1]
        session = f"arn:aws:sts::{account}:assumed-role/{role_name}/{function_name}"
        grant_id = self.kms.create_grant(
            KeyId=self.key_arn,
            Name=function_name,
            GranteePrincipal=session,
            RetiringPrincipal=session,
            Operations=["Decrypt", "RetireGrant"],
            Constraints={"EncryptionContextEquals": {"aws:lambda:FunctionArn": function_arn}},
        )["GrantId"]
        self.grant_dates[grant_id] = datetime.now(UTC) + shift
        self.grant_roles[grant_id] = self.role_ids[role_name]
        return grant_id

    def grant_ids(self, key_arn=None):
        return [g["GrantId"] for g in self.kms.list_grants(KeyId=key_arn or self.key_arn)["Grants"]]

    def temp_roles(self):
        return [r["RoleName"] for r in self.iam.list_roles()["Roles"] if r["RoleName"].startswith(TEMP_ROLE_PREFIX)]

    def function_role(self, name="app"):
        return self.lam.get_function_configuration(FunctionName=name)["Role"]


class Overriding:
    """A session whose clients come from moto, except those a test stubs."""

    def __init__(self, session, **clients):
        self.session, self.clients = session, clients

    def client(self, name, **kwargs):
        return self.clients.get(name) or self.session.client(name, **kwargs)


@pytest.fixture
def world(aws_env):
    with mock_aws():
        yield World(boto3.Session(region_name=REGION))


def run(world, *argv, session=None, later=timedelta(hours=1)):
    """Run the command as if ``later`` had passed since the world was built."""
    lines: list[str] = []
    clock = FakeClock()
    code = main(
        list(argv),
        session=session or world.session,
        out=lines.append,
        err=lines.append,
        now=lambda: datetime.now(UTC) + later,
        waits=Waits(interval_seconds=1, sleep=clock.sleep, clock=clock),
    )
    return code, "\n".join(lines)


# ---- diagnose: one test per verdict, through moto -----------------------------------------


def test_ok(world):
    role_arn = world.role()
    world.grant(role_arn)
    world.function(role_arn)
    code, text = run(world, "diagnose", "--function", "app")
    assert code == 0 and text.startswith("verdict: ok")
    assert "the key policy delegates to IAM and the role allows kms:Decrypt" in text


def test_recreated_role_is_a_stale_grant(world):
    old_grant = world.grant(world.role(), shift=-timedelta(days=1))
    role_arn = world.recreate_role()
    world.function(role_arn, tags={"managed-by": "pulumi", "stack": "dev", "project": "iam-platform"})
    code, text = run(world, "diagnose", "--function", "app")
    assert code == 3 and text.startswith("verdict: stale-grant")
    assert f"stale grant {old_grant}" in text and "earlier role of the same name" in text
    assert "pulumi up --stack dev --replace" in text and "grep app-role" in text


def test_no_grant_is_a_stale_grant_and_json_lists_nothing_to_retire(world):
    world.function(world.role())
    code, text = run(world, "diagnose", "--function", "app", "--json")
    report = json.loads(text)
    assert (code, report["verdict"], report["staleGrants"], report["pulumiHint"]) == (3, "stale-grant", [], None)


def test_missing_permission(world):
    world.function(world.role(decrypt=False))
    code, text = run(world, "diagnose", "--function", "app")
    assert code == 4 and text.startswith("verdict: missing-permission")
    assert "neither a policy nor a grant for this role allows kms:Decrypt" in text


def test_role_without_policies_decrypts_through_lambdas_grant(world):
    role_arn = world.role(decrypt=False)
    grant = world.lambda_grant(role_arn, world.function(role_arn))
    code, text = run(world, "diagnose", "--function", "app")
    assert code == 0 and text.startswith("verdict: ok: the function's role decrypts through its current grant")
    assert f"grant {grant} for the current role" in text


def test_grant_of_another_function_on_the_same_role_is_not_permission(world):
    role_arn = world.role(decrypt=False)
    world.lambda_grant(role_arn, world.function(role_arn, name="other"))
    world.function(role_arn)
    code, text = run(world, "diagnose", "--function", "app")
    assert code == 4 and "does not allow Decrypt for this function" in text


@pytest.fixture
def stale_by_grant_only(world):
    """A role that decrypts through Lambda's grant alone, deleted and recreated under its name."""
    function_arn = world.function(world.role(decrypt=False))
    old_grant = world.lambda_grant(world.function_role(), function_arn, shift=-timedelta(days=1))
    return world.recreate_role(decrypt=False), old_grant


def test_recreated_role_that_decrypts_through_its_grant_is_a_stale_grant(world, stale_by_grant_only):
    _role_arn, old_grant = stale_by_grant_only
    code, text = run(world, "diagnose", "--function", "app", "--json")
    report = json.loads(text)
    assert (code, report["verdict"], report["staleGrants"]) == (3, "stale-grant", [old_grant])
    assert "the function depends on that grant" in report["summary"]
    listed = world.session.client("kms").list_grants(KeyId=world.key_arn)["Grants"]  # as the doctor reads it
    old_id = next(g["GranteePrincipal"] for g in listed)
    assert old_id.endswith(":app") and not old_id.startswith(world.role_ids["app-role"])


def test_repair_renews_a_grant_the_role_depends_on(world, stale_by_grant_only):
    role_arn, old_grant = stale_by_grant_only
    code, text = run(world, "repair", "--function", "app", "--yes")
    assert code == 0, text
    [temp_arn, back] = world.updates
    assert temp_arn.split("/")[-1].startswith(TEMP_ROLE_PREFIX) and back == role_arn
    assert old_grant not in world.grant_ids() and world.temp_roles() == []


def test_fresh_grant_is_propagating(world):
    role_arn = world.role()
    world.grant(role_arn)
    world.function(role_arn)
    code, text = run(world, "diagnose", "--function", "app", later=timedelta(seconds=20))
    assert code == 5 and text.startswith("verdict: propagating") and "20 s old" in text


def test_failing_function_with_a_valid_grant_is_unknown(world):
    role_arn = world.role()
    world.grant(role_arn)
    world.function(role_arn)
    lam = world.session.client("lambda")
    real = world.lam.get_function(FunctionName="app")
    real["Configuration"].update(
        State="Failed",
        StateReasonCode="KMSKeyAccessDenied",
        StateReason="Lambda was unable to decrypt the environment variables",
    )
    with Stubber(lam) as stub:
        stub.add_response(
            "get_function", {k: v for k, v in real.items() if k != "ResponseMetadata"}, {"FunctionName": "app"}
        )
        code, text = run(world, "diagnose", "--function", "app", session=Overriding(world.session, **{"lambda": lam}))
    assert code == 6 and text.startswith("verdict: unknown")
    assert "StateReasonCode KMSKeyAccessDenied" in text and "Lambda reports a KMS problem" in text


def test_function_being_updated_is_propagating(world):
    role_arn = world.role()
    world.function(role_arn)
    lam = world.session.client("lambda")
    real = world.lam.get_function(FunctionName="app")
    real["Configuration"].update(LastUpdateStatus="InProgress", LastUpdateStatusReasonCode="Creating")
    with Stubber(lam) as stub:
        stub.add_response("get_function", {k: v for k, v in real.items() if k != "ResponseMetadata"})
        code, text = run(world, "diagnose", "--function", "app", session=Overriding(world.session, **{"lambda": lam}))
    assert code == 5 and "LastUpdateStatus InProgress, LastUpdateStatusReasonCode Creating" in text


def test_deleted_role_is_unknown(world):
    role_arn = world.role()
    world.function(role_arn)
    world.iam.delete_role_policy(RoleName="app-role", PolicyName="kms")
    world.iam.delete_role(RoleName="app-role")
    code, text = run(world, "diagnose", "--function", "app")
    assert code == 6 and "no longer exists" in text


def test_missing_function(world):
    code, text = run(world, "diagnose", "--function", "nope")
    assert code == 1 and "not found" in text


def test_image_function_reads_the_key_of_its_repository(world):
    ecr = world.session.client("ecr")
    key_arn = world.kms.create_key(Description="ecr key")["KeyMetadata"]["Arn"]
    uri = ecr.create_repository(
        repositoryName="app", encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key_arn}
    )["repository"]["repositoryUri"]
    old = world.grant(world.role(), shift=-timedelta(days=1), key_arn=key_arn)
    role_arn = world.recreate_role()
    world.iam.put_role_policy(
        RoleName="app-role",
        PolicyName="ecr-kms",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}]}
        ),
    )
    world.lam.create_function(
        FunctionName="img", Role=role_arn, PackageType="Image", Code={"ImageUri": f"{uri}:latest"}
    )
    code, text = run(world, "diagnose", "--function", "img")
    assert code == 3 and f"KMS key: {key_arn} (from the image repository app)" in text
    assert f"stale grant {old}" in text


# ---- repair ---------------------------------------------------------------------------------


@pytest.fixture
def stale(world):
    old_grant = world.grant(world.role(), shift=-timedelta(days=1))
    role_arn = world.recreate_role()
    world.function(role_arn)
    return role_arn, old_grant


def test_repair_without_yes_only_prints_the_plan(world, stale):
    _role_arn, old_grant = stale
    code, text = run(world, "repair", "--function", "app")
    assert code == 0 and "plan:" in text and "run again with --yes" in text
    assert f"retire stale grant {old_grant}" in text
    assert world.updates == [] and world.temp_roles() == [] and old_grant in world.grant_ids()


def test_repair_swaps_roles_retires_the_stale_grant_and_deletes_the_temporary_role(world, stale):
    role_arn, old_grant = stale
    code, text = run(world, "repair", "--function", "app", "--yes")
    assert code == 0, text
    [temp_arn, back] = world.updates
    assert temp_arn.split("/")[-1].startswith(TEMP_ROLE_PREFIX + "app-") and back == role_arn
    assert world.function_role() == role_arn
    assert world.temp_roles() == []
    assert old_grant not in world.grant_ids()
    assert "LastUpdateStatus Successful" in text and "deleted temporary role" in text
    assert "verdict now:" in text


def test_repair_waits_for_updates_with_visible_progress(world, stale):
    _role_arn, _ = stale
    lam = world.session.client("lambda")
    statuses = iter(["InProgress", "InProgress", "Successful"])

    def status(parsed, **_):
        parsed["LastUpdateStatus"] = next(statuses, "Successful")

    lam.meta.events.register("after-call.lambda.GetFunctionConfiguration", status)
    code, text = run(
        world, "repair", "--function", "app", "--yes", session=Overriding(world.session, **{"lambda": lam})
    )
    assert code == 0, text
    assert "waiting for LastUpdateStatus Successful: InProgress (0s of 180s)" in text
    assert "InProgress (1s of 180s)" in text


def test_failure_midway_restores_the_role_and_leaves_no_temporary_role(world, stale):
    role_arn, old_grant = stale
    lam = world.session.client("lambda")
    calls = []

    def as_client_error(params, **_):
        calls.append(params["Role"])
        if len(calls) == 2:
            raise ClientError({"Error": {"Code": "ServiceException", "Message": "boom"}}, "UpdateFunctionConfiguration")

    lam.meta.events.register("provide-client-params.lambda.UpdateFunctionConfiguration", as_client_error)
    code, text = run(
        world, "repair", "--function", "app", "--yes", session=Overriding(world.session, **{"lambda": lam})
    )
    assert code == 1 and "repair failed" in text and "ServiceException" in text
    assert calls[0].split("/")[-1].startswith(TEMP_ROLE_PREFIX) and calls[1:] == [role_arn, role_arn]
    assert world.function_role() == role_arn
    assert world.temp_roles() == []
    assert old_grant in world.grant_ids()  # nothing retired when the swap failed


def test_timeout_still_deletes_the_temporary_role(world, stale):
    lam = world.session.client("lambda")
    lam.meta.events.register(
        "after-call.lambda.GetFunctionConfiguration", lambda parsed, **_: parsed.update(LastUpdateStatus="InProgress")
    )
    code, text = run(
        world,
        "repair",
        "--function",
        "app",
        "--yes",
        "--timeout",
        "5",
        session=Overriding(world.session, **{"lambda": lam}),
    )
    assert code == 1 and "still InProgress after 5s" in text
    assert world.temp_roles() == [] and "deleted temporary role" in text


def test_network_error_while_on_the_temporary_role_still_restores_and_deletes(world, stale):
    role_arn, old_grant = stale
    lam = world.session.client("lambda")

    def blip(**_):  # the endpoint cannot be reached while the function is on the temporary role
        if world.function_role().split("/")[-1].startswith(TEMP_ROLE_PREFIX):
            raise EndpointConnectionError(endpoint_url="https://lambda.eu-west-1.amazonaws.com/")

    lam.meta.events.register("before-call.lambda.GetFunctionConfiguration", blip)
    code, text = run(
        world, "repair", "--function", "app", "--yes", session=Overriding(world.session, **{"lambda": lam})
    )
    assert code == 1 and "repair failed" in text and "Could not connect" in text
    assert "restoring it anyway" in text and "deleted temporary role" in text
    assert world.function_role() == role_arn
    assert world.temp_roles() == []
    assert old_grant in world.grant_ids()


def test_network_failure_during_clean_up_prints_what_to_fix_by_hand(world, stale):
    role_arn, _ = stale
    lam, iam = world.session.client("lambda"), world.session.client("iam")
    updates = []

    def timeout(**_):
        raise ReadTimeoutError(endpoint_url="https://example.invalid/")

    def after_first_update(params, **_):
        updates.append(params["Role"])
        if len(updates) > 1:
            timeout()

    lam.meta.events.register("provide-client-params.lambda.UpdateFunctionConfiguration", after_first_update)
    lam.meta.events.register("before-call.lambda.GetFunctionConfiguration", timeout)
    iam.meta.events.register("before-call.iam.DeleteRole", timeout)
    code, text = run(
        world, "repair", "--function", "app", "--yes", session=Overriding(world.session, **{"lambda": lam, "iam": iam})
    )
    assert code == 1 and "repair failed" in text
    [temp] = world.temp_roles()
    temp_arn = world.function_role()
    assert temp_arn.endswith("/" + temp)
    assert (
        f"WARNING: could not restore app's role (ReadTimeoutError: Read timeout on endpoint URL: "
        f'"https://example.invalid/"); if it still uses {temp_arn}, set it to {role_arn} by hand'
    ) in text
    assert f"WARNING: could not delete temporary role {temp}: ReadTimeoutError" in text and "by hand" in text


def test_health_payload_is_invoked(world, stale):
    invoked = []

    def answer(params, **_):
        invoked.append(json.loads(params["body"]))
        return AWSResponse("https://lambda", 200, {}, None), {"StatusCode": 200, "Payload": io.BytesIO(b"{}")}

    world.session.events.register("before-call.lambda.Invoke", answer)
    code, text = run(world, "repair", "--function", "app", "--yes", "--health-payload", '{"health": true}')
    assert code == 0, text
    assert invoked == [{"health": True}] and "health invocation answered 200" in text


def test_repair_refuses_what_a_role_swap_cannot_fix(world):
    role_arn = world.role(decrypt=False)
    world.function(role_arn)
    code, text = run(world, "repair", "--function", "app", "--yes")
    assert code == 4 and "not repairing" in text
    assert world.updates == [] and world.temp_roles() == []


def test_repair_of_a_healthy_function_does_nothing(world):
    role_arn = world.role()
    world.grant(role_arn)
    world.function(role_arn)
    code, text = run(world, "repair", "--function", "app", "--yes")
    assert code == 0 and "nothing to repair" in text and world.updates == []


def test_commands_run_as_modules():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    for module in ("cli.lambda_kms_doctor", "cli.validate_jwks"):
        done = subprocess.run(
            [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60, cwd=repo
        )
        assert done.returncode == 0 and "usage: python -m " + module in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "cli.lambda_kms_doctor", "repair"], capture_output=True, text=True, timeout=60, cwd=repo
    )
    assert done.returncode == 2 and "--function" in done.stderr


def test_refused_list_grants_is_unknown(world):
    role_arn = world.role()
    world.function(role_arn)
    kms = world.session.client("kms")
    with Stubber(kms) as stub:
        stub.add_response("describe_key", {"KeyMetadata": {"KeyId": "k", "Arn": world.key_arn}})
        stub.add_response(
            "get_key_policy", {"Policy": world.kms.get_key_policy(KeyId=world.key_arn, PolicyName="default")["Policy"]}
        )
        stub.add_client_error("list_grants", "AccessDeniedException", "not allowed")
        code, text = run(world, "diagnose", "--function", "app", session=Overriding(world.session, kms=kms))
    assert code == 6 and "could not list the key's grants: AccessDeniedException" in text


def test_unassumable_new_role_is_retried_within_the_bound(world, stale):
    lam = world.session.client("lambda")
    calls = []

    def not_yet(params, **_):
        calls.append(params["Role"])
        if len(calls) == 1:
            raise ClientError(
                {
                    "Error": {
                        "Code": "InvalidParameterValueException",
                        "Message": "The role defined for the function cannot be assumed by Lambda.",
                    }
                },
                "UpdateFunctionConfiguration",
            )

    lam.meta.events.register("provide-client-params.lambda.UpdateFunctionConfiguration", not_yet)
    code, text = run(
        world, "repair", "--function", "app", "--yes", session=Overriding(world.session, **{"lambda": lam})
    )
    assert code == 0, text
    assert "waiting: InvalidParameterValueException (0s of 180s)" in text
    assert len(calls) == 3 and calls[0] == calls[1] and world.temp_roles() == []


def test_the_doctor_runs_without_the_pulumi_sdk():
    """It builds its temporary trust policy from components.iam_documents, which imports no Pulumi."""
    assert_imports_leave_out(("cli.lambda_kms_doctor",), ("pulumi", "pulumi_aws"))


def test_the_temporary_trust_policy_trusts_lambda_only():
    from components.iam_documents import plain_policy_document, service_trust

    document = json.loads(plain_policy_document([service_trust("lambda.amazonaws.com")]))
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": ["lambda.amazonaws.com"]}}
        ],
    }
