"""Sample documents and resources the rule tests of tests/policies/rules/ share."""

import json

from policies.testing import resource

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:app-fn-1a2b3c4"


HTTP_API, REST_API = "aws:apigatewayv2/api:Api", "aws:apigateway/restApi:RestApi"


def operation(security=None):
    op = {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": FUNCTION_ARN}}
    if security is not None:
        op["security"] = security
    return op


def openapi(paths, schemes=None, security=None, version="3.0.1"):
    document = {"openapi": version, "info": {"title": "app", "version": "1"}, "paths": paths}
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    if security is not None:
        document["security"] = security
    return json.dumps(document)


ACCOUNT = "123456789012"


# AWS's documentation examples and obviously fake tokens: shaped like the real thing, valid nowhere.
ACCESS_KEY_ID, SECRET_KEY = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"


KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


QUEUE, TOPIC, LOG_GROUP = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:cloudwatch/logGroup:LogGroup"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def identity(statement, type_="aws:iam/rolePolicy:RolePolicy", name="app-policy"):
    return resource(type_, name, {"policy": doc(statement), "role": "app-role-1a2b3c4"})


TVM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/tvm-fn-role-1a2b3c4"


SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app/db-AbCdEf"


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


ROLE = "aws:iam/role:Role"


PROTECTED_ARN = f"arn:aws:iam::{ACCOUNT}:role/protected-admin-5d6e7f8"


SOURCE_IDENTITY = {"StringLike": {"sts:SourceIdentity": "sentinel.*"}}


TVM_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def tvm_trust(principal=TVM_ROLE, actions=TVM_ACTIONS, condition=SOURCE_IDENTITY):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def tvm_role(inline=None):
    props = {
        "name": "tvm-fn-role-1a2b3c4",
        "tags": {"iam-platform:tvm": "true"},
        "assumeRolePolicy": doc(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ),
    }
    if inline is not None:
        props["inlinePolicies"] = [{"name": "assume", "policy": doc(inline)}]
    return resource(ROLE, "tvm-fn-role", props, outputs={**props, "arn": TVM_ROLE})
