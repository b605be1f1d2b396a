"""Regenerate the corpus: a clean stack export and one single-mutation export per policy.

    python tests/policies/corpus/build_corpus.py tests/policies/corpus

The JSON files are what the tests read (and what reviewers diff); this script is how they were
made. A case is a function decorated with ``@case("<policy>")`` that changes one thing in the
clean stack; the file is named after the policy it must trip, and nothing else may trip.
"""

import json
import sys
from pathlib import Path

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
ACCOUNT = "123456789012"
REGION = "eu-west-1"
STACK, PROJECT = "dev", "iam-platform"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
PROVIDER_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_7_51_1"
PROVIDER_REF = f"{PROVIDER_URN}::04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def urn(type_, name):
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


class Stack:
    def __init__(self):
        self.resources = [
            {"urn": STACK_URN, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {}},
            {
                "urn": PROVIDER_URN,
                "custom": True,
                "id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                "type": "pulumi:providers:aws",
                "inputs": {"region": REGION},
                "outputs": {"region": REGION},
            },
        ]

    def add(self, type_, name, inputs, computed=None, deps=None, tags=None):
        inputs = dict(inputs)
        if tags:
            inputs["tags"] = tags
        outputs = {**inputs, **(computed or {})}
        if tags is not None or type_.startswith(
            (
                "aws:iam/role",
                "aws:lambda/function",
                "aws:secretsmanager/secret:",
                "aws:dynamodb",
                "aws:kms/key",
                "aws:rds/cluster:",
            )
        ):
            outputs["tagsAll"] = dict(tags or {})
        resource = {
            "urn": urn(type_, name),
            "custom": True,
            "id": computed.get("id", name) if computed else name,
            "type": type_,
            "inputs": inputs,
            "outputs": outputs,
            "parent": STACK_URN,
            "dependencies": sorted({u for us in (deps or {}).values() for u in us}),
            "propertyDependencies": deps or {},
            "provider": PROVIDER_REF,
        }
        self.resources.append(resource)
        return resource

    def get(self, name):
        [resource] = [r for r in self.resources if r["urn"].endswith(f"::{name}")]
        return resource

    def drop(self, name):
        self.resources = [r for r in self.resources if not r["urn"].endswith(f"::{name}")]

    def set(self, name, key, value):
        resource = self.get(name)
        for side in ("inputs", "outputs"):
            if value is None:
                resource[side].pop(key, None)
            else:
                resource[side][key] = value

    def export(self):
        return {
            "version": 3,
            "deployment": {
                "manifest": {"time": "2026-11-23T12:00:00Z", "magic": "", "version": "v3.272.0"},
                "resources": self.resources,
            },
        }


LAMBDA_TRUST = doc(
    {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}
)
SI = {"StringLike": {"sts:SourceIdentity": "sentinel.*"}}
TVM_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def role(stack, name, trust=LAMBDA_TRUST, tags=None, inline=None):
    physical = f"{name}-1a2b3c4"
    inputs = {"assumeRolePolicy": trust}
    if inline:
        inputs["inlinePolicies"] = [{"name": "inline", "policy": inline}]
    return stack.add(
        "aws:iam/role:Role",
        name,
        inputs,
        {
            "id": physical,
            "name": physical,
            "arn": f"arn:aws:iam::{ACCOUNT}:role/{physical}",
            "uniqueId": "AROA" + name.upper().replace("-", "")[:17],
        },
        tags=tags,
    )


def function(stack, name, role_resource, tags=None):
    physical = f"{name}-5d6e7f8"
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}"
    return stack.add(
        "aws:lambda/function:Function",
        name,
        {
            "role": role_resource["outputs"]["arn"],
            "runtime": "python3.12",
            "handler": "handler.handler",
            "architectures": ["arm64"],
        },
        {
            "id": physical,
            "name": physical,
            "arn": arn,
            "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
        },
        deps={"role": [role_resource["urn"]]},
        tags=tags,
    )


def base():
    s = Stack()
    key = s.add(
        "aws:kms/key:Key",
        "data-key",
        {
            "description": "data",
            "enableKeyRotation": True,
            "deletionWindowInDays": 30,
            "policy": doc(
                {
                    "Sid": "Root",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        },
        {
            "id": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
    )
    key_arn = key["outputs"]["arn"]
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{PROJECT}/{STACK}/db-AbCdEf"
    secret = s.add(
        "aws:secretsmanager/secret:Secret",
        "db-credentials",
        {"name": f"{PROJECT}/{STACK}/db", "kmsKeyId": key_arn, "recoveryWindowInDays": 7},
        {"id": secret_arn, "arn": secret_arn},
        deps={"kmsKeyId": [key["urn"]]},
    )
    s.add(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "db-credentials-rotation",
        {
            "secretId": secret_arn,
            "rotationLambdaArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotator",
            "rotationRules": {"automaticallyAfterDays": 30},
        },
        {"id": secret_arn},
        deps={"secretId": [secret["urn"]]},
    )
    table = s.add(
        "aws:dynamodb/table:Table",
        "sessions",
        {
            "hashKey": "id",
            "billingMode": "PAY_PER_REQUEST",
            "attributes": [{"name": "id", "type": "S"}],
            "pointInTimeRecovery": {"enabled": True},
            "serverSideEncryption": {"enabled": True, "kmsKeyArn": key_arn},
        },
        {
            "id": "sessions-9a8b7c6",
            "name": "sessions-9a8b7c6",
            "arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/sessions-9a8b7c6",
        },
    )
    s.add(
        "aws:rds/cluster:Cluster",
        "db",
        {
            "engine": "aurora-mysql",
            "engineMode": "provisioned",
            "storageEncrypted": True,
            "kmsKeyId": key_arn,
            "deletionProtection": True,
            "manageMasterUserPassword": True,
            "masterUsername": "admin",
            "serverlessv2ScalingConfiguration": {"minCapacity": 0.5, "maxCapacity": 2},
        },
        {"id": "db-4e5f6a7", "arn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:db-4e5f6a7"},
    )
    s.add(
        "aws:rds/clusterInstance:ClusterInstance",
        "db-1",
        {
            "clusterIdentifier": "db-4e5f6a7",
            "instanceClass": "db.serverless",
            "engine": "aurora-mysql",
            "publiclyAccessible": False,
        },
        {"id": "db-1-0b1c2d3"},
    )

    # An application function behind an HTTP API.
    app_logs = s.add(
        "aws:cloudwatch/logGroup:LogGroup",
        "app-fn-logs",
        {"retentionInDays": 30, "kmsKeyId": key_arn},
        {
            "id": "app-fn-logs-3c4d5e6",
            "name": "app-fn-logs-3c4d5e6",
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:app-fn-logs-3c4d5e6",
        },
    )
    app_role = role(s, "app-fn-role")
    s.add(
        "aws:iam/rolePolicy:RolePolicy",
        "app-fn-policy",
        {
            "role": app_role["outputs"]["name"],
            "policy": doc(
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [f"{app_logs['outputs']['arn']}:log-stream:*"],
                },
                {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": ["*"]},
                {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [secret_arn]},
                {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key_arn]},
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                    "Resource": [table["outputs"]["arn"]],
                },
            ),
        },
        deps={"role": [app_role["urn"]]},
    )
    app = function(s, "app-fn-function", app_role)
    api = s.add(
        "aws:apigatewayv2/api:Api",
        "app-api",
        {"protocolType": "HTTP"},
        {"id": "a1b2c3d4e5", "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5"},
    )
    s.add(
        "aws:apigatewayv2/route:Route",
        "app-api-post-items",
        {"apiId": "a1b2c3d4e5", "routeKey": "POST /items", "authorizationType": "AWS_IAM", "target": "integrations/i1"},
        {"id": "r1"},
    )
    s.add(
        "aws:apigatewayv2/route:Route",
        "app-api-jwks",
        {
            "apiId": "a1b2c3d4e5",
            "routeKey": "GET /.well-known/jwks.json",
            "authorizationType": "NONE",
            "target": "integrations/i1",
        },
        {"id": "r2"},
    )
    access_logs = s.add(
        "aws:cloudwatch/logGroup:LogGroup",
        "app-api-access-logs",
        {"retentionInDays": 30, "kmsKeyId": key_arn},
        {"arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:app-api-access-logs-7e8f9a0"},
    )
    s.add(
        "aws:apigatewayv2/stage:Stage",
        "app-api-stage",
        {
            "apiId": "a1b2c3d4e5",
            "name": "$default",
            "autoDeploy": True,
            "accessLogSettings": {
                "destinationArn": access_logs["outputs"]["arn"],
                "format": json.dumps({"requestId": "$context.requestId", "caller": "$context.identity.userArn"}),
            },
        },
    )
    s.add(
        "aws:lambda/permission:Permission",
        "app-api-post-items-invoke",
        {
            "function": app["outputs"]["name"],
            "action": "lambda:InvokeFunction",
            "principal": "apigateway.amazonaws.com",
            "sourceArn": f"{api['outputs']['executionArn']}/*/POST/items",
        },
        deps={"function": [app["urn"]]},
    )

    # Verification and execution layers (rollout at 50 %: the direct path is still allowed).
    exec_role = role(s, "execution-fn-role")
    execution = function(s, "execution-fn-function", exec_role, tags={"iam-platform:role": "execution"})
    s.add("aws:cloudwatch/logGroup:LogGroup", "execution-fn-logs", {"retentionInDays": 30, "kmsKeyId": key_arn})
    ver_role = role(s, "verification-fn-role")
    rest_api = s.add(
        "aws:apigateway/restApi:RestApi",
        "execution-api",
        {"name": "execution-api", "endpointConfiguration": {"types": "REGIONAL"}},
        {"id": "x9y8z7w6v5", "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:x9y8z7w6v5"},
    )
    s.add(
        "aws:apigateway/restApiPolicy:RestApiPolicy",
        "execution-api-policy",
        {
            "restApiId": "x9y8z7w6v5",
            "policy": doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ver_role["outputs"]["arn"]},
                    "Action": "execute-api:Invoke",
                    "Resource": f"{rest_api['outputs']['executionArn']}/prod/POST/execute",
                }
            ),
        },
    )
    s.add(
        "aws:apigateway/method:Method",
        "execution-api-post",
        {"restApi": "x9y8z7w6v5", "resourceId": "res1", "httpMethod": "POST", "authorization": "AWS_IAM"},
    )
    s.add(
        "aws:apigateway/stage:Stage",
        "execution-api-stage",
        {
            "restApi": "x9y8z7w6v5",
            "deployment": "dep1",
            "stageName": "prod",
            "accessLogSettings": {
                "destinationArn": access_logs["outputs"]["arn"],
                "format": '{"id":"$context.requestId"}',
            },
        },
    )
    s.add(
        "aws:iam/rolePolicy:RolePolicy",
        "verification-fn-policy",
        {
            "role": ver_role["outputs"]["name"],
            "policy": doc(
                {
                    "Effect": "Allow",
                    "Action": ["execute-api:Invoke"],
                    "Resource": [f"{rest_api['outputs']['executionArn']}/prod/POST/execute"],
                },
                {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [execution["outputs"]["arn"]]},
            ),
        },
        deps={"role": [ver_role["urn"]]},
    )
    verification = function(s, "verification-fn-function", ver_role, tags={"iam-platform:rollout-percent": "50"})
    s.add(
        "aws:lambda/functionUrl:FunctionUrl",
        "verification-url",
        {"functionName": verification["outputs"]["name"], "authorizationType": "NONE"},
    )
    s.add(
        "aws:lambda/permission:Permission",
        "verification-url-public",
        {
            "function": verification["outputs"]["name"],
            "action": "lambda:InvokeFunctionUrl",
            "principal": "*",
            "functionUrlAuthType": "NONE",
        },
    )

    # Token vending machine.
    tvm_role = role(s, "tvm-fn-role", tags={"iam-platform:tvm": "true"})
    protected_arn = f"arn:aws:iam::{ACCOUNT}:role/protected-admin-1a2b3c4"
    s.add(
        "aws:iam/rolePolicy:RolePolicy",
        "tvm-fn-policy",
        {
            "role": tvm_role["outputs"]["name"],
            "policy": doc(
                {"Effect": "Allow", "Action": TVM_ACTIONS, "Resource": [protected_arn], "Condition": SI},
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                    "Resource": [table["outputs"]["arn"]],
                },
            ),
        },
        deps={"role": [tvm_role["urn"]]},
    )
    protected = role(
        s,
        "protected-admin",
        tags={"iam-platform:protected": "true"},
        trust=doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": tvm_role["outputs"]["arn"]},
                "Action": TVM_ACTIONS,
                "Condition": SI,
            }
        ),
    )
    s.add(
        "aws:iam/rolePolicy:RolePolicy",
        "protected-admin-guard",
        {
            "role": protected["outputs"]["name"],
            "policy": doc(
                {
                    "Effect": "Deny",
                    "Action": ["dynamodb:*"],
                    "Resource": [table["outputs"]["arn"], f"{table['outputs']['arn']}/*"],
                }
            ),
        },
        deps={"role": [protected["urn"]]},
    )

    # An outside reader federated through OIDC.
    provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    s.add(
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "github",
        {"url": "https://token.actions.githubusercontent.com", "clientIdLists": ["sts.amazonaws.com"]},
        {"arn": provider_arn},
    )
    role(
        s,
        "reader-role",
        trust=doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:example/app:*"},
                },
            }
        ),
        inline=doc({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [secret_arn]}),
    )
    s.add("aws:iam/user:User", "partner-reader", {"name": "partner-reader"})
    configuration(s, key_arn, secret_arn, table["outputs"]["name"])
    return s


def configuration(s, key_arn, secret_arn, table_name):
    """Encrypted queue and topic, an environment with references only, a TLS 1.2 custom domain."""
    s.add(
        "aws:sqs/queue:Queue",
        "jobs-dead-letters",
        {"kmsMasterKeyId": key_arn, "messageRetentionSeconds": 1209600},
        {"arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs-dead-letters-6f7a8b9"},
    )
    s.add(
        "aws:sns/topic:Topic",
        "alarms-topic",
        {"kmsMasterKeyId": key_arn},
        {"arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms-topic-2b3c4d5"},
    )
    environment = {
        "variables": {
            "DB_SECRET_ARN": secret_arn,
            "TOKEN_TABLE": table_name,
            "BEDROCK_MAX_TOKENS": "1024",
            "SLACK_BOT_TOKEN_SECRET_ID": secret_arn,
            "POWERTOOLS_SERVICE_NAME": "app",
        }
    }
    for side in ("inputs", "outputs"):
        s.get("app-fn-function")[side]["environment"] = environment
    s.add(
        "aws:apigateway/domainName:DomainName",
        "execution-api-domain",
        {
            "domainName": "execution.example.com",
            "securityPolicy": "TLS_1_2",
            "regionalCertificateArn": (
                f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0a1b2c3d-0000-4000-8000-000000000001"
            ),
            "endpointConfiguration": {"types": "REGIONAL"},
        },
    )
    s.add(
        "aws:apigatewayv2/domainName:DomainName",
        "app-api-domain",
        {
            "domainName": "api.example.com",
            "domainNameConfiguration": {
                "certificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0a1b2c3d-0000-4000-8000-000000000002",
                "endpointType": "REGIONAL",
                "securityPolicy": "TLS_1_2",
            },
        },
    )


def policy_doc(s, name):
    return json.loads(s.get(name)["inputs"]["policy"])


def set_policy(s, name, document):
    s.set(name, "policy", json.dumps(document, sort_keys=True))


def add_statement(s, name, statement):
    document = policy_doc(s, name)
    document["Statement"].append(statement)
    set_policy(s, name, document)


def mutate_statement(s, name, index, **changes):
    document = policy_doc(s, name)
    document["Statement"][index].update(changes)
    set_policy(s, name, document)


def case(expected):
    def register(fn):
        CASES.append((expected, fn))
        return fn

    return register


CASES = []


@case("apigateway-method-requires-iam-auth")
def _(s):
    s.set("execution-api-post", "authorization", "NONE")


@case("apigatewayv2-route-requires-iam-auth")
def _(s):
    s.set("app-api-post-items", "authorizationType", "NONE")


@case("apigateway-resource-policy-no-public-principal")
def _(s):
    mutate_statement(s, "execution-api-policy", 0, Principal="*")


@case("lambda-permission-has-source-arn")
def _(s):
    s.set("app-api-post-items-invoke", "sourceArn", None)


@case("lambda-function-url-requires-auth")
def _(s):
    s.add(
        "aws:lambda/functionUrl:FunctionUrl",
        "app-url",
        {"functionName": "app-fn-function-5d6e7f8", "authorizationType": "NONE"},
    )


@case("iam-role-trust-no-wildcard")
def _(s):
    trust = json.loads(s.get("app-fn-role")["inputs"]["assumeRolePolicy"])
    trust["Statement"][0]["Principal"] = {"AWS": "*"}
    s.set("app-fn-role", "assumeRolePolicy", json.dumps(trust))


@case("iam-role-trust-service-conditions")
def _(s):
    role(
        s,
        "scheduler-role",
        trust=doc({"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}),
    )


@case("iam-policy-no-wildcard-actions")
def _(s):
    add_statement(
        s,
        "app-fn-policy",
        {"Effect": "Allow", "Action": "sqs:*", "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:app-queue"},
    )


@case("iam-policy-scoped-resources")
def _(s):
    mutate_statement(s, "app-fn-policy", 2, Resource="*")


@case("iam-policy-document-valid")
def _(s):
    mutate_statement(s, "app-fn-policy", 2, Action=["secretsmanager:GetSecretValues"])


@case("iam-no-list-secrets")
def _(s):
    add_statement(s, "app-fn-policy", {"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"})


@case("iam-user-access-key-present")
def _(s):
    s.add(
        "aws:iam/accessKey:AccessKey",
        "partner-reader-key",
        {"user": "partner-reader"},
        {"id": "AKIAEXAMPLE", "secret": "redacted"},
    )


@case("iam-policy-no-privilege-escalation")
def _(s):
    add_statement(s, "app-fn-policy", {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})


@case("iam-no-admin-managed-policy")
def _(s):
    s.add(
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "partner-reader-power",
        {"user": "partner-reader", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
    )


@case("resource-policy-no-public-principal")
def _(s):
    s.add(
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "db-credentials-policy",
        {
            "secretArn": s.get("db-credentials")["outputs"]["arn"],
            "policy": doc(
                {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
            ),
        },
    )


@case("resource-policy-cross-account-guarded")
def _(s):
    s.add(
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "app-images-policy",
        {
            "repository": "app-images",
            "policy": doc(
                {
                    "Sid": "Pull",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                }
            ),
        },
    )


@case("lambda-execution-role-autonamed")
def _(s):
    s.set("app-fn-role", "name", "app-fn-role")
    s.get("app-fn-role")["outputs"]["arn"] = f"arn:aws:iam::{ACCOUNT}:role/app-fn-role"


@case("protected-role-trusts-only-tvm")
def _(s):
    trust = json.loads(s.get("protected-admin")["inputs"]["assumeRolePolicy"])
    del trust["Statement"][0]["Condition"]
    s.set("protected-admin", "assumeRolePolicy", json.dumps(trust))


@case("tvm-role-assume-scope")
def _(s):
    mutate_statement(s, "tvm-fn-policy", 0, Resource=[f"arn:aws:iam::{ACCOUNT}:role/tvm-profile-*"])


@case("tvm-protected-role-denies-tvm-resources")
def _(s):
    s.drop("protected-admin-guard")


@case("secret-rotation-enabled")
def _(s):
    s.drop("db-credentials-rotation")


@case("secret-encrypted-with-cmk")
def _(s):
    s.set("db-credentials", "kmsKeyId", None)


@case("kms-key-rotation-enabled")
def _(s):
    s.set("data-key", "enableKeyRotation", False)


@case("kms-key-policy-no-public-principal")
def _(s):
    add_statement(
        s, "data-key", {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    )


@case("rds-cluster-encrypted-private")
def _(s):
    s.set("db-1", "publiclyAccessible", True)


@case("dynamodb-table-protected")
def _(s):
    s.set("sessions", "pointInTimeRecovery", None)


@case("log-group-retention-set")
def _(s):
    s.set("execution-fn-logs", "retentionInDays", None)


@case("apigateway-stage-access-logging")
def _(s):
    s.set("app-api-stage", "accessLogSettings", None)


@case("rollout-cleanup-complete")
def _(s):
    s.get("verification-fn-function")["outputs"]["tags"] = {"iam-platform:rollout-percent": "100"}
    s.get("verification-fn-function")["inputs"]["tags"] = {"iam-platform:rollout-percent": "100"}
    s.get("verification-fn-function")["outputs"]["tagsAll"] = {"iam-platform:rollout-percent": "100"}


@case("sqs-queue-encrypted")
def _(s):
    s.set("jobs-dead-letters", "kmsMasterKeyId", None)
    s.set("jobs-dead-letters", "sqsManagedSseEnabled", False)


@case("sns-topic-encrypted")
def _(s):
    s.set("alarms-topic", "kmsMasterKeyId", None)


@case("log-group-encrypted-with-kms")
def _(s):
    s.set("app-fn-logs", "kmsKeyId", None)


@case("lambda-environment-no-plain-credentials")
def _(s):
    s.get("app-fn-function")["inputs"]["environment"]["variables"]["DB_PASSWORD"] = "Tr0ub4dor&3-corpus"


@case("rds-master-password-not-plain")
def _(s):
    s.set("db", "manageMasterUserPassword", None)
    s.set("db", "masterPassword", "Tr0ub4dor&3-corpus")


@case("apigateway-domain-tls-1-2")
def _(s):
    s.set("execution-api-domain", "securityPolicy", None)


def clean_rollout_finished(s):
    for side in ("inputs", "outputs"):
        s.get("verification-fn-function")[side]["tags"] = {"iam-platform:rollout-percent": "100"}
    s.get("verification-fn-function")["outputs"]["tagsAll"] = {"iam-platform:rollout-percent": "100"}
    document = policy_doc(s, "verification-fn-policy")
    document["Statement"] = document["Statement"][:1]
    set_policy(s, "verification-fn-policy", document)


def write(name, stack):
    """One resource per line: small, and a case's diff against the clean stack is one line."""
    export = stack.export()
    manifest = json.dumps(export["deployment"]["manifest"], sort_keys=True)
    lines = ",\n".join(json.dumps(r, sort_keys=True) for r in export["deployment"]["resources"])
    (OUT / name).write_text(f'{{"version": 3, "deployment": {{"manifest": {manifest}, "resources": [\n{lines}\n]}}}}\n')


OUT.mkdir(parents=True, exist_ok=True)
write("clean-platform.json", base())
finished = base()
clean_rollout_finished(finished)
write("clean-rollout-finished.json", finished)
for expected, mutate in CASES:
    stack = base()
    mutate(stack)
    write(f"{expected}.json", stack)
print(len(CASES) + 2, "files")
