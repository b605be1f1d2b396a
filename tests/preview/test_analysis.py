"""preview.analysis: the engine's request sequence, over pulumi-policy's servicer or real gRPC."""

from __future__ import annotations

import inspect
import json
import subprocess
from typing import Any

import pulumi_policy.version
import pytest
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.pack import build_policies
from preview.analysis import (
    PolicyConfigError,
    Violation,
    analyze,
    analyze_requests,
    analyze_stack_request,
    configure_request,
)
from tests.support.records import make_record

COMPONENT = "iam-platform:jwks:Jwks"


def trust(principal: Any, action: str = "sts:AssumeRole") -> str:
    return json.dumps({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]})


def a_stack_breaking_every_rule() -> list[dict[str, Any]]:
    component = make_record(COMPONENT, "jwks", custom=False)
    provider = make_record("pulumi:providers:aws", "aws-dev", {"region": "us-east-1"})
    role = make_record(
        "aws:iam/role:Role",
        "jwks-fn-role",
        {"name": "jwks-fn-role", "assumeRolePolicy": trust("*", "sts:*"), "__defaults": []},
        {"name": "jwks-fn-role", "arn": "arn:aws:iam::123456789012:role/jwks-fn-role"},
        parent=component["urn"],
        provider=f"{provider['urn']}::prov-id",
    )
    function = make_record(
        "aws:lambda/function:Function",
        "jwks-fn",
        {"role": role["outputs"]["arn"]},
        parent=component["urn"],
        dependencies=[role["urn"]],
        propertyDependencies={"role": [role["urn"]]},
    )
    return [
        component,
        provider,
        role,
        function,
        make_record("aws:iam/role:Role", "pending-role", {"assumeRolePolicy": UNKNOWN}),
        make_record("aws:apigateway/method:Method", "execute-post", {"httpMethod": "POST", "authorization": "NONE"}),
        make_record("aws:apigatewayv2/route:Route", "status-route", {"routeKey": "GET /status"}),
        make_record("aws:apigatewayv2/route:Route", "jwks-route", {"routeKey": "GET /.well-known/jwks.json"}),
        make_record(
            "aws:lambda/permission:Permission",
            "from-s3",
            {"principal": "s3.amazonaws.com", "function": "jwks-fn-1a2b3c4"},
        ),
    ]


@pytest.fixture
def started_processes(monkeypatch) -> list[subprocess.Popen]:
    started, real_popen = [], subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    return started


# --- the private API we drive ---------------------------------------------------------------


def test_pulumi_policy_is_the_version_whose_private_servicer_we_drive():
    assert pulumi_policy.version.VERSION.startswith("1.21."), "re-check preview/analysis.py against the new SDK"


def test_servicer_still_has_the_shape_we_call():
    for method in ("GetAnalyzerInfo", "Configure", "Analyze", "AnalyzeStack"):
        assert callable(getattr(_PolicyAnalyzerServicer, method, None)), method
    parameters = list(inspect.signature(_PolicyAnalyzerServicer.__init__).parameters)
    assert parameters[:6] == ["self", "name", "version", "policies", "enforcement_level", "initial_config"]


def test_servicer_turns_a_known_violation_into_the_known_diagnostic():
    route = make_record("aws:apigatewayv2/route:Route", "status-route", {"routeKey": "GET /status"})

    assert analyze([route]) == [
        Violation(
            policy="apigatewayv2-route-requires-iam-auth",
            level="mandatory",
            urn=route["urn"],
            message="API Gateway HTTP API routes must require IAM (SigV4) authorization.\n"
            'route "GET /status" uses authorization type NONE; allowed: AWS_IAM '
            "(a public route must be listed in exemptRouteKeys)",
        )
    ]


# --- both transports ------------------------------------------------------------------------


@pytest.mark.analyzer
def test_grpc_and_in_process_give_identical_violations(started_processes, monkeypatch):
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # the analyzer must not depend on the caller's env
    records = a_stack_breaking_every_rule()
    pack_config = {
        "apigateway-method-requires-iam-auth": "advisory",
        "iam-role-trust-no-wildcard": {"accountIds": ["123456789012"]},
    }

    in_process = analyze(records, pack_config)
    over_grpc = analyze(records, pack_config, use_grpc=True)

    assert over_grpc == in_process
    assert {v.policy for v in in_process} >= {
        "apigateway-method-requires-iam-auth",
        "apigatewayv2-route-requires-iam-auth",
        "lambda-permission-has-source-arn",
        "iam-role-trust-no-wildcard",
        "lambda-execution-role-autonamed",
    }
    assert {v.level for v in in_process} == {"mandatory", "advisory"}
    assert started_processes[0].poll() is not None, "the analyzer subprocess must be stopped"


@pytest.mark.analyzer
def test_analyzer_subprocess_is_stopped_when_the_run_fails(started_processes):
    with pytest.raises(PolicyConfigError):
        analyze(a_stack_breaking_every_rule(), {"iam-role-trust-no-wildcard": "blocking"}, use_grpc=True)

    assert started_processes[0].poll() is not None


@pytest.mark.analyzer
def test_a_pack_that_cannot_start_reports_its_error(tmp_path, started_processes):
    (tmp_path / "__main__.py").write_text("raise SystemExit('broken pack: cannot build policies')\n")

    with pytest.raises(RuntimeError, match="broken pack: cannot build policies"):
        analyze([], use_grpc=True, pack_dir=tmp_path)
    assert started_processes[0].poll() is not None


def test_in_process_runs_only_the_policies_package(tmp_path):
    with pytest.raises(ValueError, match="use_grpc=True"):
        analyze([], pack_dir=tmp_path)


# --- the requests, as the engine builds them ------------------------------------------------


def test_analyze_requests_carry_inputs_options_and_provider_without_internal_keys():
    records = a_stack_breaking_every_rule()
    role = records[2]

    request = next(r for r in analyze_requests(records) if r.urn == role["urn"])

    assert "__defaults" not in request.properties
    assert request.properties["name"] == "jwks-fn-role"
    assert (request.options.parent, request.options.protect) == (records[0]["urn"], False)
    assert (request.provider.urn, request.provider.name) == (records[1]["urn"], "aws-dev")
    assert request.provider.properties["region"] == "us-east-1"


def test_external_resources_are_read_not_analyzed():
    records = [make_record("aws:iam/role:Role", "existing", external=True)]

    assert analyze_requests(records) == []
    assert len(analyze_stack_request(records).resources) == 1


def test_stack_request_carries_outputs_parent_and_dependencies():
    records = a_stack_breaking_every_rule()
    function = records[3]

    [resource] = [r for r in analyze_stack_request(records).resources if r.urn == function["urn"]]

    assert resource.parent == records[0]["urn"]
    assert list(resource.dependencies) == [records[2]["urn"]]
    assert list(resource.propertyDependencies["role"].urns) == [records[2]["urn"]]
    assert resource.options.parent == ""  # the engine sends the parent beside the options here


def test_configure_names_every_policy_with_its_level_and_schema_defaults():
    servicer = _PolicyAnalyzerServicer("pack", "0.0.1", build_policies(), EnforcementLevel.MANDATORY, None)

    request = configure_request(servicer.GetAnalyzerInfo(None, None), {})

    assert set(request.policyConfig) == {p.name for p in build_policies()}
    levels = {"mandatory": pb.MANDATORY, "advisory": pb.ADVISORY}
    assert {name: c.enforcementLevel for name, c in request.policyConfig.items()} == {
        p.name: levels[p.enforcement_level.value] for p in build_policies()
    }
    route_config = request.policyConfig["apigatewayv2-route-requires-iam-auth"].properties
    assert list(route_config["exemptRouteKeys"]) == ["GET /.well-known/jwks.json"]


def test_initial_config_without_a_level_demotes_a_policy_to_advisory():
    # Why policies/pack.py keeps INITIAL_CONFIG empty: the protobuf enum's zero value is ADVISORY.
    initial = {"iam-role-trust-no-wildcard": {"accountIds": ["123456789012"]}}
    servicer = _PolicyAnalyzerServicer("pack", "0.0.1", build_policies(), EnforcementLevel.MANDATORY, initial)

    request = configure_request(servicer.GetAnalyzerInfo(None, None), {})

    assert request.policyConfig["iam-role-trust-no-wildcard"].enforcementLevel == pb.ADVISORY


def test_importing_the_pack_entry_point_starts_no_server():
    import importlib

    module = importlib.import_module("policies.__main__")  # would block forever if it built PolicyPack

    assert not hasattr(module, "PolicyPack")
