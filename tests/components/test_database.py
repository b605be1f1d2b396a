"""RotatedAuroraSecret in the real program, for each rotation strategy."""

import json
import re
import string

import pytest

from components.settings.database import RDS_FORBIDDEN_PASSWORD_CHARACTERS
from tests.support.harness import one, policy_of, run_stack

CLUSTER, INSTANCE = "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"
SECRET, VERSION = "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SAR = "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"
KEY, PASSWORD = "aws:kms/key:Key", "random:index/randomPassword:RandomPassword"
RULE, TARGET = "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget"
FUNCTION, POLICY = "aws:lambda/function:Function", "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SAR_PREFIX = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/"
LAYER = "arn:aws:lambda:eu-west-1:133490724326:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12"
VIA_SECRETS_MANAGER = {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


def database(**settings):
    return run_stack("dev", {"iam-platform:database": {"enabled": True, **settings}})


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


@pytest.fixture(scope="module")
def alternating():
    return database(rotation={"strategy": "alternating-users"})


@pytest.fixture(scope="module")
def managed():
    return database(rotation={"strategy": "rds-managed"})


def app_statements(run):
    return policy_of(one(run, POLICY, "database-app-policy"), "policy")["Statement"]


# -- the cluster --------------------------------------------------------------------------


def test_cluster_is_serverless_v2_encrypted_private_and_logged(dev):
    cluster = one(dev, CLUSTER, "database-cluster")["inputs"]
    key = one(dev, KEY, "database-key")
    assert (cluster["engine"], cluster["engineMode"]) == ("aurora-mysql", "provisioned")
    assert cluster["serverlessv2ScalingConfiguration"] == {"minCapacity": 0.5, "maxCapacity": 4}
    assert cluster["storageEncrypted"] is True and cluster["kmsKeyId"] == key["outputs"]["arn"]
    assert key["inputs"]["enableKeyRotation"] is True
    assert cluster["enabledCloudwatchLogsExports"] == ["audit", "error", "slowquery"]
    assert cluster["backupRetentionPeriod"] == 7 and cluster["copyTagsToSnapshot"] is True
    assert cluster["vpcSecurityGroupIds"] == [one(dev, "aws:ec2/securityGroup:SecurityGroup", "network-db-sg")["id"]]
    assert cluster["dbSubnetGroupName"] == one(dev, "aws:rds/subnetGroup:SubnetGroup", "database-subnets")["id"]
    assert "publiclyAccessible" not in cluster
    [writer] = dev.of_type(INSTANCE)
    assert (writer["name"], writer["inputs"]["instanceClass"], writer["inputs"]["publiclyAccessible"]) == (
        "database-writer",
        "db.serverless",
        False,
    )
    assert writer["inputs"]["clusterIdentifier"] == one(dev, CLUSTER, "database-cluster")["id"]


def test_dev_cluster_is_not_protected(dev):
    cluster = one(dev, CLUSTER, "database-cluster")
    assert cluster["inputs"]["deletionProtection"] is False and cluster["inputs"]["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in cluster["inputs"] and not cluster["protect"]


def test_prod_cluster_is_protected_keeps_a_final_snapshot_and_has_a_reader():
    prod = run_stack("prod")
    cluster = one(prod, CLUSTER, "database-cluster")
    assert cluster["inputs"]["deletionProtection"] is True and cluster["inputs"]["skipFinalSnapshot"] is False
    assert re.fullmatch(r"iam-platform-prod-database-final-[0-9a-f]{8}", cluster["inputs"]["finalSnapshotIdentifier"])
    assert cluster["protect"] and one(prod, SECRET, "database-secret")["protect"]
    assert one(prod, KEY, "database-key")["inputs"]["deletionWindowInDays"] == 30
    assert cluster["inputs"]["serverlessv2ScalingConfiguration"] == {"minCapacity": 1, "maxCapacity": 16}
    assert sorted(i["name"] for i in prod.of_type(INSTANCE)) == ["database-reader-1", "database-writer"]
    rotation = one(prod, ROTATION, "database-rotation")["inputs"]["rotationRules"]
    assert rotation == {"scheduleExpression": "cron(0 3 ? * SUN *)", "duration": "3h"}
    alarm = one(prod, ALARM, "database-rotation-errors-alarm")["inputs"]
    assert alarm["dimensions"] == {"FunctionName": "iam-platform-prod-database-rotation"}
    assert alarm["alarmActions"] == [one(prod, "aws:sns/topic:Topic", "alarms-topic")["outputs"]["arn"]]


def test_capacity_and_readers_from_settings():
    run = database(minCapacity=2, maxCapacity=8, readers=2)
    assert one(run, CLUSTER, "database-cluster")["inputs"]["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 2,
        "maxCapacity": 8,
    }
    assert sorted(i["name"] for i in run.of_type(INSTANCE)) == [
        "database-reader-1",
        "database-reader-2",
        "database-writer",
    ]


# -- the secret and the first password ----------------------------------------------------


def test_secret_holds_what_the_rotation_template_expects(dev):
    secret = one(dev, SECRET, "database-secret")
    cluster = one(dev, CLUSTER, "database-cluster")
    password = one(dev, PASSWORD, "database-master-password")
    assert secret["inputs"]["name"] == "iam-platform/dev/database/credentials"
    assert secret["inputs"]["kmsKeyId"] == one(dev, KEY, "database-key")["outputs"]["arn"]
    version = one(dev, VERSION, "database-secret-initial")["inputs"]
    assert version["secretId"] == secret["id"]
    assert json.loads(version["secretString"]) == {
        "engine": "mysql",
        "host": cluster["outputs"]["endpoint"],
        "port": 3306,
        "username": "dbadmin",
        "password": password["outputs"]["result"],
        "dbname": "app",
        "dbClusterIdentifier": cluster["outputs"]["clusterIdentifier"],
    }
    assert cluster["inputs"]["masterPassword"] == password["outputs"]["result"]


def test_first_password_avoids_the_excluded_characters(dev):
    inputs = one(dev, PASSWORD, "database-master-password")["inputs"]
    assert inputs["length"] >= 32 and inputs["special"] is True
    assert not set(inputs["overrideSpecial"]) & set("\"@/\\'" + RDS_FORBIDDEN_PASSWORD_CHARACTERS + " ")
    assert set(inputs["overrideSpecial"]) <= set(string.punctuation)


def test_excluded_characters_setting_reaches_password_and_rotation():
    run = database(rotation={"excludeCharacters": "\"@/\\'%!"})
    assert not set("%!") & set(one(run, PASSWORD, "database-master-password")["inputs"]["overrideSpecial"])
    assert one(run, SAR, "database-rotation-app")["inputs"]["parameters"]["excludeCharacters"] == "\"@/\\'%!"


# -- the hosted rotation function ---------------------------------------------------------


def test_single_user_hosted_rotation_pinned_in_the_vpc(dev):
    stack = one(dev, SAR, "database-rotation-app")["inputs"]
    endpoint = one(dev, "aws:ec2/vpcEndpoint:VpcEndpoint", "network-secretsmanager")
    assert stack["applicationId"] == SAR_PREFIX + "SecretsManagerRDSMySQLRotationSingleUser"
    assert stack["semanticVersion"] == "1.1.671"
    assert sorted(stack["capabilities"]) == ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]
    parameters = stack["parameters"]
    assert parameters["endpoint"] == "https://" + endpoint["outputs"]["dnsEntries"][0]["dnsName"]
    assert parameters["functionName"] == "iam-platform-dev-database-rotation"
    assert parameters["vpcSubnetIds"] == ",".join(
        one(dev, "aws:ec2/subnet:Subnet", f"network-private-{i}")["id"] for i in range(2)
    )
    assert (
        parameters["vpcSecurityGroupIds"]
        == one(dev, "aws:ec2/securityGroup:SecurityGroup", "network-rotation-sg")["id"]
    )
    assert parameters["excludeCharacters"] == "\"@/\\'"
    assert parameters["kmsKeyArn"] == one(dev, KEY, "database-key")["outputs"]["arn"]
    assert "masterSecretArn" not in parameters


def test_pinned_version_is_a_setting():
    run = database(rotation={"applicationVersion": "1.1.500"})
    assert one(run, SAR, "database-rotation-app")["inputs"]["semanticVersion"] == "1.1.500"


def test_rotation_uses_the_applications_function_every_30_days(dev):
    rotation = one(dev, ROTATION, "database-rotation")
    stack = one(dev, SAR, "database-rotation-app")
    assert rotation["inputs"]["rotationLambdaArn"] == stack["outputs"]["outputs"]["RotationLambdaARN"]
    assert rotation["inputs"]["secretId"] == one(dev, SECRET, "database-secret")["outputs"]["arn"]
    assert rotation["inputs"]["rotationRules"] == {"scheduleExpression": "rate(30 days)"}
    assert stack["urn"] in rotation["dependencies"]


@pytest.mark.parametrize("strategy", ["single-user", "alternating-users", "rds-managed"])
def test_rotation_starts_once_the_secrets_hold_values_and_the_instances_exist(strategy):
    """Configuring rotation makes Secrets Manager test the function against the database:
    before the first value or the writer exists that test fails (RotationFailed, AWSPENDING left)."""
    run = database(rotation={"strategy": strategy})
    dependencies = one(run, ROTATION, "database-rotation")["dependencies"]
    instances = [r["urn"] for r in run.of_type("aws:rds/clusterInstance:ClusterInstance")]
    versions = [
        r["urn"]
        for r in run.of_type("aws:secretsmanager/secretVersion:SecretVersion")
        if r["name"].startswith("database-")
    ]
    assert instances and set(instances) <= set(dependencies)
    assert set(versions) <= set(dependencies)
    assert len(versions) == {"single-user": 1, "alternating-users": 2, "rds-managed": 0}[strategy]


def test_every_days_setting():
    run = database(rotation={"everyDays": 7})
    assert one(run, ROTATION, "database-rotation")["inputs"]["rotationRules"] == {"scheduleExpression": "rate(7 days)"}


# -- alerting -----------------------------------------------------------------------------


def test_rotation_failures_reach_the_alarm_topic(dev):
    rule = one(dev, RULE, "database-rotation-failed")
    pattern = json.loads(rule["inputs"]["eventPattern"])
    assert pattern == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventName": ["RotationFailed", "RotationAbandoned"],
            "additionalEventData": {"SecretId": [one(dev, SECRET, "database-secret")["outputs"]["arn"]]},
        },
    }
    target = one(dev, TARGET, "database-rotation-failed-alarm")["inputs"]
    topic = one(dev, "aws:sns/topic:Topic", "alarms-topic")
    assert (target["rule"], target["arn"]) == (rule["outputs"]["name"], topic["outputs"]["arn"])


def test_eventbridge_may_publish_to_the_encrypted_topic(dev):
    key = policy_of(one(dev, KEY, "alarms-key"), "policy")["Statement"]
    events = [s for s in key if s["Principal"].get("Service") == ["events.amazonaws.com"]]
    assert [s["Action"] for s in events] == [["kms:Decrypt", "kms:GenerateDataKey*"]]
    # No source condition on the key: SNS's KMS call for an EventBridge delivery is not
    # documented to carry one, and a failed condition drops events. The topic policy guards.
    assert "Condition" not in events[0]
    topic = one(dev, "aws:sns/topic:Topic", "alarms-topic")["outputs"]["arn"]
    policy = one(dev, "aws:sns/topicPolicy:TopicPolicy", "alarms-topic-policy")
    assert policy["inputs"]["arn"] == topic
    services = [s for s in policy_of(policy, "policy")["Statement"] if "Service" in s["Principal"]]
    assert services == [
        {
            "Sid": "AlarmsAndRulesOfThisAccountPublish",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
            "Action": ["sns:Publish"],
            "Resource": [topic],
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]


def test_no_rotation_alarm_without_alarms(dev):
    assert not [a for a in dev.of_type(ALARM) if a["name"].startswith("database-")]


# -- the consumer -------------------------------------------------------------------------


def test_consumer_has_exactly_read_and_decrypt_via_secrets_manager(dev):
    secret = one(dev, SECRET, "database-secret")["outputs"]["arn"]
    key = one(dev, KEY, "database-key")["outputs"]["arn"]
    statements = app_statements(dev)
    assert {
        "Sid": "ReadTheDatabaseSecret",
        "Effect": "Allow",
        "Resource": [secret],
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
    } in statements
    assert {
        "Sid": "DecryptItThroughSecretsManager",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [key],
        "Condition": VIA_SECRETS_MANAGER,
    } in statements
    granted = [a for s in statements for a in s["Action"]]
    assert [a for a in granted if a.startswith(("secretsmanager:", "kms:"))] == [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
    ]


def test_consumer_runs_in_the_vpc_with_the_eni_permissions_only_there(dev):
    function = one(dev, FUNCTION, "database-app-function")["inputs"]
    assert function["handler"] == "lambdas.app.handler.handler"
    assert function["vpcConfig"] == {
        "subnetIds": [one(dev, "aws:ec2/subnet:Subnet", f"network-private-{i}")["id"] for i in range(2)],
        "securityGroupIds": [one(dev, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg")["id"]],
    }
    [eni] = [s for s in app_statements(dev) if s.get("Sid") == "LambdaVpcNetworkInterfaces"]
    assert "ec2:CreateNetworkInterface" in eni["Action"] and all(a.startswith("ec2:") for a in eni["Action"])
    jwks = policy_of(one(dev, POLICY, "jwks-fn-policy"), "policy")["Statement"]
    assert not [s for s in jwks if s.get("Sid") == "LambdaVpcNetworkInterfaces"]
    assert "vpcConfig" not in one(dev, FUNCTION, "jwks-fn-function")["inputs"]


def test_consumer_environment_and_bundled_driver(dev):
    function = one(dev, FUNCTION, "database-app-function")["inputs"]
    variables = function["environment"]["variables"]
    assert variables["DB_SECRET_ARN"] == one(dev, SECRET, "database-secret")["outputs"]["arn"]
    assert variables["DB_CREDENTIALS_TTL_SECONDS"] == "300"
    assert "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT" not in variables and len(function["layers"]) == 1
    assets = function["code"]["assets"]
    assert "pymysql/__init__.py" in assets and "lambdas/common/database.py" in assets
    assert "lambdas/app/handler.py" in assets and not [p for p in assets if p.endswith(".pyc")]


def test_extension_layer_setting():
    run = database(secretsExtensionLayerArn=LAYER, credentialsTtlSeconds=60)
    function = one(run, FUNCTION, "database-app-function")["inputs"]
    assert function["layers"][1:] == [LAYER]
    assert function["environment"]["variables"]["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773"
    assert function["environment"]["variables"]["DB_CREDENTIALS_TTL_SECONDS"] == "60"


# -- alternating users --------------------------------------------------------------------


def test_alternating_users_rotate_an_app_secret_with_a_separate_master(alternating):
    master = one(alternating, SECRET, "database-master-secret")
    app = one(alternating, SECRET, "database-secret")
    assert master["inputs"]["name"] == "iam-platform/dev/database/master"
    stack = one(alternating, SAR, "database-rotation-app")["inputs"]
    assert stack["applicationId"] == SAR_PREFIX + "SecretsManagerRDSMySQLRotationMultiUser"
    assert stack["parameters"]["masterSecretArn"] == master["outputs"]["arn"]
    assert stack["parameters"]["masterSecretKmsKeyArn"] == one(alternating, KEY, "database-key")["outputs"]["arn"]
    value = json.loads(one(alternating, VERSION, "database-secret-initial")["inputs"]["secretString"])
    assert (value["username"], value["masterarn"]) == ("app", master["outputs"]["arn"])
    assert value["password"] == one(alternating, PASSWORD, "database-app-password")["outputs"]["result"]
    master_value = json.loads(one(alternating, VERSION, "database-master-secret-initial")["inputs"]["secretString"])
    assert master_value["username"] == "dbadmin" and "masterarn" not in master_value
    [rotation] = alternating.of_type(ROTATION)
    assert rotation["inputs"]["secretId"] == app["outputs"]["arn"]


def test_alternating_users_consumer_reads_the_app_secret_not_the_master(alternating):
    app = one(alternating, SECRET, "database-secret")["outputs"]["arn"]
    master = one(alternating, SECRET, "database-master-secret")["outputs"]["arn"]
    resources = [r for s in app_statements(alternating) for r in s["Resource"]]
    assert app in resources and master not in resources


# -- RDS-managed --------------------------------------------------------------------------


def test_rds_managed_password_has_no_rotation_function(managed):
    cluster = one(managed, CLUSTER, "database-cluster")
    assert cluster["inputs"]["manageMasterUserPassword"] is True
    assert cluster["inputs"]["masterUserSecretKmsKeyId"] == one(managed, KEY, "database-key")["outputs"]["arn"]
    assert "masterPassword" not in cluster["inputs"]
    assert managed.of_type(SAR) == [] and managed.of_type(PASSWORD) == []
    assert not [s for s in managed.of_type(SECRET) if "RotatedAuroraSecret" in s["urn"]]
    secret_arn = cluster["outputs"]["masterUserSecrets"][0]["secretArn"]
    rotation = one(managed, ROTATION, "database-rotation")["inputs"]
    assert rotation["secretId"] == secret_arn and "rotationLambdaArn" not in rotation
    variables = one(managed, FUNCTION, "database-app-function")["inputs"]["environment"]["variables"]
    assert variables["DB_SECRET_ARN"] == secret_arn
    assert (variables["DB_HOST"], variables["DB_PORT"], variables["DB_NAME"]) == (
        cluster["outputs"]["endpoint"],
        "3306",
        "app",
    )
    rule = json.loads(one(managed, RULE, "database-rotation-failed")["inputs"]["eventPattern"])
    assert rule["detail"]["additionalEventData"]["SecretId"] == [secret_arn]


# -- switched off -------------------------------------------------------------------------


def test_disabled_database_declares_nothing_of_it():
    run = run_stack("dev", {"iam-platform:database": {"enabled": False}})
    assert not [r for r in run.records if "database" in r["urn"] or "network" in r["urn"]]
    assert "databaseEndpoint" not in run.outputs


def test_outputs(dev):
    assert dev.outputs["databaseEndpoint"] == one(dev, CLUSTER, "database-cluster")["outputs"]["endpoint"]
    assert dev.outputs["databaseSecretArn"] == one(dev, SECRET, "database-secret")["outputs"]["arn"]


def test_layers_and_packages_are_for_zip_functions_only():
    from components.function import FunctionSpec

    with pytest.raises(ValueError, match="layers and packages"):
        FunctionSpec(code="", description="x", image=object(), packages=("pymysql",))
    with pytest.raises(ValueError, match="layers and packages"):
        FunctionSpec(code="", description="x", image=object(), layers=["arn:aws:lambda:eu-west-1:1:layer:x:1"])
