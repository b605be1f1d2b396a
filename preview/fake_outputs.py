"""Realistic outputs for mocked resources, so inputs that read them are never empty.

Physical names follow Pulumi's auto-naming (logical name plus a suffix) unless the
program set ``name``; every value is derived from the resource's type and name, so a
run is reproducible.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from preview.place import Place


def fake_outputs(type_: str, name: str, inputs: Mapping[str, Any], place: Place) -> tuple[str, dict[str, Any]]:
    """Return (id, the outputs a provider computes) for one resource."""
    physical = inputs.get("name") or f"{name}-{_digest(type_, name, 7)}"
    builder = _BUILDERS.get(type_) or (_provider if type_.startswith("pulumi:providers:") else _generic)
    return builder(type_, name, physical, inputs, place)


def _digest(type_: str, name: str, length: int) -> str:
    return hashlib.sha1(f"{type_}::{name}".encode()).hexdigest()[:length]


def _arn(service: str, place: Place, resource: str, region: bool = True, account: bool = True) -> str:
    return f"arn:aws:{service}:{place.region if region else ''}:{place.account if account else ''}:{resource}"


def _service(type_: str) -> str:
    return type_.split(":")[1].split("/")[0].lower()


def _generic(type_, name, physical, inputs, place):
    """Any type we never modelled: an id and a name, and for AWS an ARN, so programs reading them run."""
    outputs = {"name": physical}
    if type_.split(":", 1)[0] in ("aws", "aws-native"):
        kind = type_.rsplit(":", 1)[-1].lower()
        outputs["arn"] = _arn(_service(type_), place, f"{kind}/{physical}")
    return physical, outputs


def _provider(type_, name, physical, inputs, place):
    return _digest(type_, name, 8) + "-0000-4000-8000-" + _digest(name, type_, 12), {}


def _role(type_, name, physical, inputs, place):
    return physical, {
        "arn": _arn("iam", place, f"role/{physical}", region=False),
        "name": physical,
        "uniqueId": "AROA" + _digest(type_, name, 17).upper(),
    }


def _oidc_provider(type_, name, physical, inputs, place):
    arn = _arn("iam", place, f"oidc-provider/{str(inputs.get('url', physical)).removeprefix('https://')}", region=False)
    return arn, {"arn": arn, "url": inputs.get("url")}


def _user(type_, name, physical, inputs, place):
    path = inputs.get("path") or "/"
    return physical, {
        "arn": _arn("iam", place, f"user{path}{physical}", region=False),
        "name": physical,
        "uniqueId": "AIDA" + _digest(type_, name, 17).upper(),
    }


def _access_key(type_, name, physical, inputs, place):
    key_id = "AKIA" + _digest(type_, name, 16).upper()
    return key_id, {
        "user": inputs.get("user"),
        "status": "Active",
        "secret": "preview-" + _digest(name, type_, 32),
        "sesSmtpPasswordV4": "preview-" + _digest(name, type_, 20),
    }


def _ecr_repository(type_, name, physical, inputs, place):
    return physical, {
        "arn": _arn("ecr", place, f"repository/{physical}"),
        "name": physical,
        "registryId": place.account,
        "repositoryUrl": f"{place.account}.dkr.ecr.{place.region}.amazonaws.com/{physical}",
    }


def _role_policy(type_, name, physical, inputs, place):
    return f"{inputs.get('role') or inputs.get('user', '')}:{physical}", {"name": physical}


def _function(type_, name, physical, inputs, place):
    arn = _arn("lambda", place, f"function:{physical}")
    invoke = f"arn:aws:apigateway:{place.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return physical, {
        "arn": arn,
        "name": physical,
        "invokeArn": invoke,
        "qualifiedArn": f"{arn}:$LATEST",
        "qualifiedInvokeArn": invoke.replace(arn, f"{arn}:$LATEST"),
        "version": "$LATEST",
    }


def _log_group(type_, name, physical, inputs, place):
    return physical, {"arn": _arn("logs", place, f"log-group:{physical}"), "name": physical}


def _http_api(type_, name, physical, inputs, place):
    api_id = _digest(type_, name, 10)
    return api_id, {
        "apiEndpoint": f"https://{api_id}.execute-api.{place.region}.amazonaws.com",
        "executionArn": _arn("execute-api", place, api_id),
        "arn": _arn("apigateway", place, f"/apis/{api_id}", account=False),
        "name": physical,
    }


def _rest_api(type_, name, physical, inputs, place):
    api_id = _digest(type_, name, 10)
    return api_id, {
        "rootResourceId": _digest(name, type_, 10),
        "executionArn": _arn("execute-api", place, api_id),
        "arn": _arn("apigateway", place, f"/restapis/{api_id}", account=False),
        "name": physical,
    }


def _function_url(type_, name, physical, inputs, place):
    url_id = _digest(type_, name, 32)
    return url_id, {
        "functionUrl": f"https://{url_id}.lambda-url.{place.region}.on.aws/",
        "urlId": url_id,
        "functionArn": _arn("lambda", place, f"function:{inputs.get('functionName', '')}"),
    }


def _rest_stage(type_, name, physical, inputs, place):
    api = inputs.get("restApi", "")
    stage = inputs.get("stageName", "")
    return f"ags-{api}-{stage}", {
        "invokeUrl": f"https://{api}.execute-api.{place.region}.amazonaws.com/{stage}",
        "executionArn": _arn("execute-api", place, f"{api}/{stage}"),
        "arn": _arn("apigateway", place, f"/restapis/{api}/stages/{stage}", account=False),
    }


def _short_id(type_, name, physical, inputs, place):
    return _digest(type_, name, 7), {}


def _secret(type_, name, physical, inputs, place):
    arn = _arn("secretsmanager", place, f"secret:{physical}-{_digest(type_, name, 6)}")
    return arn, {"arn": arn, "name": physical}


def _kms_key(type_, name, physical, inputs, place):
    d = _digest(type_, name, 32)
    key_id = f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"
    return key_id, {"arn": _arn("kms", place, f"key/{key_id}"), "keyId": key_id}


def _topic(type_, name, physical, inputs, place):
    arn = _arn("sns", place, physical)
    return arn, {"arn": arn, "name": physical}


def _queue(type_, name, physical, inputs, place):
    url = f"https://sqs.{place.region}.amazonaws.com/{place.account}/{physical}"
    return url, {"arn": _arn("sqs", place, physical), "url": url, "name": physical}


def _table(type_, name, physical, inputs, place):
    arn = _arn("dynamodb", place, f"table/{physical}")
    return physical, {"arn": arn, "name": physical, "streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"}


def _prefixed_id(prefix: str) -> Callable[..., tuple[str, dict[str, Any]]]:
    """EC2-style ids (vpc-..., subnet-..., sg-...) with the ARN EC2 gives them."""
    kind = {"vpc": "vpc", "subnet": "subnet", "sg": "security-group", "sgr": "security-group-rule"}[prefix]

    def build(type_, name, physical, inputs, place):
        resource_id = f"{prefix}-{_digest(type_, name, 17)}"
        return resource_id, {"arn": _arn("ec2", place, f"{kind}/{resource_id}"), "ownerId": place.account}

    return build


def _vpc(type_, name, physical, inputs, place):
    resource_id, outputs = _prefixed_id("vpc")(type_, name, physical, inputs, place)
    return resource_id, {
        **outputs,
        "defaultSecurityGroupId": f"sg-{_digest(name, type_, 17)}",
        "mainRouteTableId": f"rtb-{_digest(name, type_, 17)}",
    }


def _vpc_endpoint(type_, name, physical, inputs, place):
    endpoint_id = f"vpce-{_digest(type_, name, 17)}"
    service = str(inputs.get("serviceName", "")).rsplit(".", 1)[-1]
    dns = f"{endpoint_id}-{_digest(name, type_, 8)}.{service}.{place.region}.vpce.amazonaws.com"
    return endpoint_id, {
        "arn": _arn("ec2", place, f"vpc-endpoint/{endpoint_id}"),
        "dnsEntries": [{"dnsName": dns, "hostedZoneId": "Z7HUB22UULQXV"}],
        "networkInterfaceIds": [f"eni-{_digest(type_, name, 17)}"],
        "state": "available",
    }


def _rds_cluster(type_, name, physical, inputs, place):
    identifier = inputs.get("clusterIdentifier") or f"{name}-{_digest(type_, name, 7)}"
    host = f"{identifier}.cluster-{_digest(name, type_, 12)}.{place.region}.rds.amazonaws.com"
    outputs: dict[str, Any] = {
        "arn": _arn("rds", place, f"cluster:{identifier}"),
        "clusterIdentifier": identifier,
        "endpoint": host,
        "readerEndpoint": host.replace(".cluster-", ".cluster-ro-"),
        "port": inputs.get("port", 3306),
        "clusterResourceId": "cluster-" + _digest(type_, name, 26).upper(),
        "masterUserSecrets": [],
    }
    if inputs.get("manageMasterUserPassword"):
        secret_arn = _arn("secretsmanager", place, f"secret:rds!cluster-{_digest(type_, name, 8)}-AbCdEf")
        outputs["masterUserSecrets"] = [
            {"secretArn": secret_arn, "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"), "secretStatus": "active"}
        ]
    return identifier, outputs


def _rds_instance(type_, name, physical, inputs, place):
    identifier = inputs.get("identifier") or f"{name}-{_digest(type_, name, 7)}"
    return identifier, {
        "arn": _arn("rds", place, f"db:{identifier}"),
        "identifier": identifier,
        "endpoint": f"{identifier}.{_digest(name, type_, 12)}.{place.region}.rds.amazonaws.com",
    }


def _sar_stack(type_, name, physical, inputs, place):
    """A hosted rotation application's stack: its one output is the rotation function."""
    parameters = inputs.get("parameters") or {}
    function = parameters.get("functionName") or f"{name}-{_digest(type_, name, 7)}"
    stack = f"serverlessrepo-{physical}"
    return (
        _arn("cloudformation", place, f"stack/{stack}/{_digest(type_, name, 8)}"),
        {"name": physical, "outputs": {"RotationLambdaARN": _arn("lambda", place, f"function:{function}")}},
    )


def _random_password(type_, name, physical, inputs, place):
    # Never a real password: a preview has nothing to protect and must stay reproducible.
    result = "Preview" + _digest(type_, name, 20) + "!1aA"
    return _digest(type_, name, 8), {"result": result, "bcryptHash": "$2a$10$" + _digest(name, type_, 40)}


def _random_id(type_, name, physical, inputs, place):
    size = int(inputs.get("byteLength") or 8)
    hex_ = hashlib.sha256(f"{type_}::{name}::{place.seed}".encode()).hexdigest()[: 2 * size]
    raw = bytes.fromhex(hex_)
    b64_url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return b64_url, {
        "hex": hex_,
        "dec": str(int(hex_, 16)),
        "b64Url": b64_url,
        "b64Std": base64.b64encode(raw).decode(),
        "byteLength": size,
    }


def _event_rule(type_, name, physical, inputs, place):
    return physical, {"arn": _arn("events", place, f"rule/{physical}"), "name": physical}


def _parameter(type_, name, physical, inputs, place):
    path = physical if physical.startswith("/") else f"/{physical}"
    return physical, {"arn": _arn("ssm", place, f"parameter{path}"), "name": physical, "version": 1}


_BUILDERS: dict[str, Callable[..., tuple[str, dict[str, Any]]]] = {
    "pulumi:providers:aws": _provider,
    "pulumi:providers:random": _provider,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/userPolicy:UserPolicy": _role_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:iam/user:User": _user,
    "aws:iam/accessKey:AccessKey": _access_key,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:ecr/repositoryPolicy:RepositoryPolicy": _short_id,
    "aws:lambda/function:Function": _function,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigatewayv2/integration:Integration": _short_id,
    "aws:apigatewayv2/route:Route": _short_id,
    "aws:apigatewayv2/stage:Stage": _short_id,
    "aws:lambda/permission:Permission": _short_id,
    "aws:lambda/functionUrl:FunctionUrl": _function_url,
    "aws:apigateway/stage:Stage": _rest_stage,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:kms/key:Key": _kms_key,
    "aws:sns/topic:Topic": _topic,
    "aws:sqs/queue:Queue": _queue,
    "aws:dynamodb/table:Table": _table,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _prefixed_id("subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _prefixed_id("sg"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _prefixed_id("sg"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _prefixed_id("sgr"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _prefixed_id("sgr"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_instance,
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": _sar_stack,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _short_id,
    "aws:secretsmanager/secretRotation:SecretRotation": _short_id,
    "aws:sns/topicPolicy:TopicPolicy": _short_id,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": _random_id,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:apigatewayv2/authorizer:Authorizer": _short_id,
}
