"""`python -m preview --state FILE` on the files users have, read strictly.

Malformed files are exit 2 with one line naming the file and the problem (never a traceback,
never PASSED); checkpoints, replacement steps, read-only resources, partial previews and
"[secret]" values are read as the Pulumi CLI means them. The outside samples are real CLI
output (tests/preview/fixtures/outside/PROVENANCE.md).
"""

import json
from pathlib import Path

import pytest

from tests.support.preview_cli import run_cli

OUTSIDE = Path(__file__).resolve().parent / "fixtures" / "outside"
STACK = "urn:pulumi:dev::iam-platform::"


def write(tmp_path: Path, document, name: str = "state.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def state(type_: str, name: str, inputs: dict, **extra) -> dict:
    return {"urn": f"{STACK}{type_}::{name}", "custom": True, "type": type_, "inputs": inputs, **extra}


def public_route(name: str = "public") -> dict:
    return state(
        "aws:apigatewayv2/route:Route",
        name,
        {"apiId": "a1b2c3", "routeKey": "POST /orders", "authorizationType": "NONE"},
    )


def step(op: str, resource: dict) -> dict:
    return {"op": op, "urn": resource["urn"], "newState": resource}


def preview_doc(*steps: dict, **summary: int) -> dict:
    document = {"steps": list(steps)}
    if summary:
        document["changeSummary"] = summary
    return document


def export_doc(*resources: dict) -> dict:
    return {"version": 3, "deployment": {"manifest": {}, "resources": list(resources)}}


def summary_of(capsys, path: Path) -> tuple[int, dict]:
    status, out, _ = run_cli(capsys, "--state", str(path), "--format", "json")
    return status, json.loads(out)


# --- malformed files: exit 2, one line naming the file and what is wrong --------------------

BAD_DOCUMENTS = [
    ({"version": 3, "deployment": {"resources": {"a": 1}}}, "deployment.resources is an object, not an array"),
    ({"version": 3, "deployment": {"resources": None}}, "deployment.resources is null, not an array"),
    ({"version": 3, "deployment": []}, "deployment is an array, not an object"),
    ({"version": 3, "deployment": {"resources": [7]}}, "deployment.resources[0] is a number, not an object"),
    (
        {"version": 3, "deployment": {"resources": [{**public_route(), "inputs": "x"}]}},
        "deployment.resources[0].inputs is a string, not an object",
    ),
    (
        {"version": 3, "deployment": {"resources": [{"type": "aws:s3/bucket:Bucket"}]}},
        "deployment.resources[0].urn is null, not a non-empty string",
    ),
    ({"version": 3, "deployment": {"resources": [public_route(), public_route()]}}, "appears twice"),
    (
        {"version": 3, "checkpoint": {"latest": {"resources": "none"}}},
        "checkpoint.latest.resources is a string, not an array",
    ),
    ({"steps": None}, "steps is null, not an array"),
    ({"steps": [1]}, "steps[0] is a number, not an object"),
    ({"steps": [{"op": "create", "newState": None}]}, "steps[0].newState is null, not an object"),
    ({"steps": [{"op": "frobnicate", "newState": public_route()}]}, "steps[0].op is 'frobnicate'"),
    (
        {"steps": [step("create", {**public_route(), "dependencies": "urn:x"})]},
        "steps[0].newState.dependencies is a string, not a list of URNs",
    ),
    ([], "the document is an array, not a JSON object"),
    ('{"steps": [', "not JSON (Expecting value at line 1 column 12)"),
]


@pytest.mark.parametrize("document, problem", BAD_DOCUMENTS, ids=[p for _, p in BAD_DOCUMENTS])
def test_a_malformed_state_file_is_one_line_and_exit_2(capsys, tmp_path, document, problem):
    path = write(tmp_path, document)
    status, out, err = run_cli(capsys, "--state", str(path))
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(f"preview: {path}: ") and problem in err, err


def test_a_file_that_is_not_utf8_is_named(capsys, tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b'{"steps": ["\xff"]}')
    status, _, err = run_cli(capsys, "--state", str(path))
    assert status == 2 and err == f"preview: {path}: not UTF-8 text (byte 12)\n"


def test_a_missing_file_is_named(capsys, tmp_path):
    status, _, err = run_cli(capsys, "--state", str(tmp_path / "none.json"))
    assert status == 2 and err == f"preview: {tmp_path / 'none.json'}: cannot read (No such file or directory)\n"


# --- real CLI output and a DIY backend's checkpoint ------------------------------------------


def test_the_outside_export_and_the_same_deployment_as_a_checkpoint_read_alike(capsys, tmp_path):
    export = json.loads((OUTSIDE / "sample-export.json").read_text())
    checkpoint = {"version": 3, "checkpoint": {"stack": "dev", "latest": export["deployment"]}}
    from_export = summary_of(capsys, OUTSIDE / "sample-export.json")
    from_checkpoint = summary_of(capsys, write(tmp_path, checkpoint))
    assert from_export[1]["summary"]["resources"] == 17
    assert from_checkpoint[0] == from_export[0]
    assert from_checkpoint[1]["resources"] == from_export[1]["resources"]
    assert from_checkpoint[1]["violations"] == from_export[1]["violations"]
    assert from_checkpoint[1]["source"].endswith("(checkpoint)")


def test_a_checkpoint_of_a_stack_never_deployed_has_no_resources(capsys, tmp_path):
    status, document = summary_of(capsys, write(tmp_path, {"version": 3, "checkpoint": {"stack": "dev"}}))
    assert status == 0 and document["summary"]["resources"] == 0


def test_replacement_steps_count_each_resource_once(capsys, tmp_path):
    route = public_route()
    old = {**route, "inputs": {**route["inputs"], "routeKey": "POST /old"}}
    steps = [
        step("create-replacement", route),
        step("replace", route),
        {"op": "delete-replaced", "urn": route["urn"], "oldState": old},
    ]
    status, document = summary_of(capsys, write(tmp_path, preview_doc(*steps, replace=1)))
    assert status == 1 and document["summary"]["resources"] == 1
    assert [v["policy"] for v in document["violations"] if v["level"] == "mandatory"] == [
        "apigatewayv2-route-requires-iam-auth"
    ]


# --- resources the stack only reads ------------------------------------------------------------


def test_external_resources_of_an_export_are_not_judged(capsys, tmp_path):
    document = export_doc({**public_route("read"), "external": True}, public_route("owned"))
    status, out, _ = run_cli(capsys, "--state", str(write(tmp_path, document)))
    assert status == 1 and f"{STACK}aws:apigatewayv2/route:Route::owned" in out
    assert (
        f"note: 1 resource(s) the stack only reads (external, or `read` steps) were not judged: "
        f"{STACK}aws:apigatewayv2/route:Route::read" in out
    )
    assert out.count("apigatewayv2-route-requires-iam-auth") == 1


def test_read_steps_of_a_preview_are_not_judged(capsys, tmp_path):
    read = public_route("looked-up")
    path = write(tmp_path, preview_doc(step("read", read), step("read-replacement", public_route("again")), read=2))
    status, out, _ = run_cli(capsys, "--state", str(path))
    assert status == 0 and "2 resource(s) the stack only reads" in out and "PASSED: 0 resources" in out


# --- partial previews (no --show-sames) --------------------------------------------------------


def test_the_outside_preview_without_sames_is_reported_partial(capsys, tmp_path):
    full = json.loads((OUTSIDE / "sample-preview-update.json").read_text())
    without_sames = {**full, "steps": [s for s in full["steps"] if s["op"] != "same"]}  # what the CLI prints
    _, out_full, _ = run_cli(capsys, "--state", str(OUTSIDE / "sample-preview-update.json"))
    _, out_partial, _ = run_cli(capsys, "--state", str(write(tmp_path, without_sames)))
    assert "partial input" not in out_full
    assert (
        "note: partial input: a `pulumi preview --json` without --show-sames leaves out 15 unchanged "
        "resource(s)" in out_partial
    )
    assert out_partial.rstrip().splitlines()[-1].startswith("PASSED (partial input): 1 resources")
    _, document = summary_of(capsys, write(tmp_path, without_sames))
    assert document["summary"]["partial"] is True


def test_a_preview_of_only_creates_with_its_summary_is_complete(capsys):
    _, out, _ = run_cli(capsys, "--state", str(OUTSIDE / "sample-preview-creates.json"))
    assert "partial input" not in out and "16 resources" in out


SECRET = state(
    "aws:secretsmanager/secret:Secret",
    "api-key",
    {"name": "api-key", "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/1"},
)


def mandatory(document: dict) -> list[str]:
    return sorted(v["policy"] for v in document["violations"] if v["level"] == "mandatory")


def test_a_partial_preview_does_not_conclude_a_secret_has_no_rotation(capsys, tmp_path):
    partial = summary_of(capsys, write(tmp_path, preview_doc(step("update", SECRET), same=4, update=1)))
    complete = summary_of(capsys, write(tmp_path, preview_doc(step("create", SECRET), create=1), "full.json"))
    assert partial[0] == 0 and mandatory(partial[1]) == []
    assert complete[0] == 1 and mandatory(complete[1]) == ["secret-rotation-enabled"]


PROTECTED = state(
    "aws:iam/role:Role",
    "deploy",
    {
        "tags": {"iam-platform:protected": "true"},
        "assumeRolePolicy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:role/tvm-0a1b2c3"},
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                        "Condition": {"StringLike": {"sts:SourceIdentity": "sentinel.*"}},
                    }
                ],
            }
        ),
    },
)


def test_a_partial_preview_does_not_conclude_the_tvm_role_is_missing(capsys, tmp_path):
    partial = summary_of(capsys, write(tmp_path, preview_doc(step("update", PROTECTED), same=9, update=1)))
    complete = summary_of(capsys, write(tmp_path, preview_doc(step("create", PROTECTED), create=1), "full.json"))
    assert mandatory(partial[1]) == []
    assert mandatory(complete[1]) == ["protected-role-trusts-only-tvm"]


TVM = state(
    "aws:iam/role:Role",
    "tvm",
    {
        "tags": {"iam-platform:tvm": "true"},
        "assumeRolePolicy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
        "inlinePolicies": [
            {
                "name": "assume",
                "policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Resource": "arn:aws:iam::123456789012:role/deploy-0a1b2c3",
                                "Condition": {"StringLike": {"sts:SourceIdentity": "sentinel.*"}},
                            }
                        ],
                    }
                ),
            }
        ],
    },
)


def attachment(name: str, policy_arn: str) -> dict:
    return {
        **state("aws:iam/rolePolicyAttachment:RolePolicyAttachment", name, {"role": "tvm", "policyArn": policy_arn}),
        "propertyDependencies": {"role": [TVM["urn"]]},
    }


def test_a_partial_preview_judges_only_what_it_can_see_of_the_tvm_scope(capsys, tmp_path):
    steps = [
        step("update", TVM),
        step("create", attachment("extra", "arn:aws:iam::123456789012:policy/tvm-extra")),
        step("create", attachment("admin", "arn:aws:iam::aws:policy/AdministratorAccess")),
    ]
    _, partial = summary_of(capsys, write(tmp_path, preview_doc(*steps, same=3, update=1, create=2)))
    _, complete = summary_of(capsys, write(tmp_path, preview_doc(*steps, update=1, create=2), "full.json"))

    def scope(document):
        return sorted(
            v["message"].split("attaches ")[-1].split(",")[0] if "attaches" in v["message"] else "assume"
            for v in document["violations"]
            if v["policy"] == "tvm-role-assume-scope"
        )

    # An AWS-managed policy is never in a stack; the others may be unchanged resources the input lacks.
    assert scope(partial) == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert scope(complete) == [
        "arn:aws:iam::123456789012:policy/tvm-extra",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "assume",
    ]


# --- "[secret]" in a preview is an unknown value ----------------------------------------------


def test_a_masked_secret_in_a_preview_is_unknown_not_an_invalid_document(capsys, tmp_path):
    policy = state("aws:iam/rolePolicy:RolePolicy", "reader", {"role": "app", "policy": "[secret]"})
    status, document = summary_of(capsys, write(tmp_path, preview_doc(step("create", policy), create=1)))
    assert status == 0 and mandatory(document) == []
    assert any("can't run policy" in v["message"] for v in document["violations"])


@pytest.mark.analyzer
def test_the_real_analyzer_subprocess_gets_partial_input_too(capsys, tmp_path):
    path = write(tmp_path, preview_doc(step("update", SECRET), same=4, update=1))
    status, out, _ = run_cli(capsys, "--state", str(path), "--format", "json", "--grpc")
    assert status == 0 and mandatory(json.loads(out)) == []
