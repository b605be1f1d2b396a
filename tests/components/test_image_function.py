"""ServiceFunction from a container image in a KMS-encrypted ECR repository."""

from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from components.function import FunctionSpec
from components.images import ContainerImage
from preview.recorder import run_program
from tests.support.harness import one, policy_of, stack_config

PROGRAM = Path(__file__).resolve().parent / "programs" / "image_function"
ROLE, FUNCTION = "aws:iam/role:Role", "aws:lambda/function:Function"
REPO, KEY = "aws:ecr/repository:Repository", "aws:kms/key:Key"


def run():
    return run_program(PROGRAM, "iam-platform", "dev", stack_config("dev"))


@pytest.fixture(scope="module")
def program():
    return run()


def test_function_runs_the_image_from_its_repository(program):
    function = one(program, FUNCTION, "app-function")["inputs"]
    repo = one(program, REPO, "app-images-repo")
    assert function["packageType"] == "Image"
    assert function["imageUri"] == repo["outputs"]["repositoryUrl"] + ":v1"
    assert not {"runtime", "handler", "code", "layers"} & function.keys()


def test_repository_is_encrypted_with_its_own_customer_managed_key(program):
    repo = one(program, REPO, "app-images-repo")["inputs"]
    key = one(program, KEY, "app-images-key")
    assert repo["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key["outputs"]["arn"]}]
    assert repo["imageTagMutability"] == "IMMUTABLE" and "name" not in repo
    assert key["inputs"]["enableKeyRotation"] is True


def test_lambda_may_pull_for_this_function_only(program):
    function = one(program, FUNCTION, "app-function")
    policy = one(program, "aws:ecr/repositoryPolicy:RepositoryPolicy", "app-pull")
    assert policy["inputs"]["repository"] == one(program, REPO, "app-images-repo")["outputs"]["name"]
    [statement] = policy_of(policy, "policy")["Statement"]
    assert statement == {
        "Sid": "LambdaPullsForOneFunction",
        "Effect": "Allow",
        "Principal": {"Service": ["lambda.amazonaws.com"]},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "Condition": {"ArnLike": {"aws:sourceArn": "arn:aws:lambda:eu-west-1:123456789012:function:app-function-*"}},
    }
    # The pattern admits the name Pulumi gives the function, and not another function's.
    pattern = statement["Condition"]["ArnLike"]["aws:sourceArn"]
    assert fnmatchcase(function["outputs"]["arn"], pattern)
    assert not fnmatchcase(function["outputs"]["arn"].replace("app-function", "other-function"), pattern)


def test_the_pull_policy_exists_before_lambda_checks_the_image(program):
    """CreateFunction checks that Lambda may pull the image: the function waits for the policy."""
    function = one(program, FUNCTION, "app-function")
    assert one(program, "aws:ecr/repositoryPolicy:RepositoryPolicy", "app-pull")["urn"] in function["dependencies"]


def test_role_may_decrypt_with_the_repository_key(program):
    key = one(program, KEY, "app-images-key")
    statements = policy_of(one(program, "aws:iam/rolePolicy:RolePolicy", "app-policy"), "policy")["Statement"]
    assert {"Action": ["kms:Decrypt"], "Effect": "Allow", "Resource": [key["outputs"]["arn"]]} in statements


def test_function_role_comes_from_the_roles_arn_output_and_no_role_is_named(program):
    """A recreated role gets a new ARN, which updates the function and renews its KMS grant."""
    role, function = one(program, ROLE, "app-role"), one(program, FUNCTION, "app-function")
    assert function["inputs"]["role"] == role["outputs"]["arn"]
    assert function["propertyDependencies"]["role"] == [role["urn"]]
    roles = program.of_type(ROLE)
    assert roles and all("name" not in r["inputs"] and "namePrefix" not in r["inputs"] for r in roles)


def test_digest_reference(monkeypatch):
    digest = "sha256:" + "a" * 64
    monkeypatch.setenv("IMAGE_REF", digest)
    run_ = run()
    repo = one(run_, REPO, "app-images-repo")
    assert one(run_, FUNCTION, "app-function")["inputs"]["imageUri"] == repo["outputs"]["repositoryUrl"] + "@" + digest


def test_a_repository_serves_one_function(monkeypatch):
    monkeypatch.setenv("IMAGE_PROGRAM_SECOND_FUNCTION", "1")
    with pytest.raises(Exception, match="already serves app-pull; give other-pull its own ImageRepository"):
        run()


def test_spec_takes_code_or_image_not_both_nor_neither():
    with pytest.raises(ValueError, match="exactly one"):
        FunctionSpec(code="", description="nothing to run")
    with pytest.raises(ValueError, match="tag or sha256"):
        ContainerImage(None, "repo/name:tag")
