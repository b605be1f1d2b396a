"""RotatedAuroraSecret: Aurora MySQL Serverless v2 whose credentials rotate in Secrets Manager.

- A customer-managed KMS key (rotation on) encrypts the cluster's storage and the secrets.
- The cluster: aurora-mysql, Serverless v2 scaling, one ``db.serverless`` writer and
  ``readers`` readers, not publicly accessible, backups, CloudWatch log exports, deletion
  protection and a final snapshot as the stack says.
- The credentials, by ``rotation.strategy``:
  - ``single-user`` (default): the master user's credentials in our secret, JSON
    ``{engine, host, port, username, password, dbname, dbClusterIdentifier}``, rotated by
    AWS's hosted ``SecretsManagerRDSMySQLRotationSingleUser`` application (pinned version);
  - ``alternating-users``: an application user's secret (with ``masterarn``) rotated by
    the ``...MultiUser`` application, which alternates between the user and its clone, so
    the previous password stays valid after every rotation; the master credentials live
    in a separate secret. The application user is created once by an operator (docs/database.md);
  - ``rds-managed``: RDS keeps the master password in its own secret
    (``manage_master_user_password``) and rotates it; no rotation function.
- The schedule: ``rate(N days)`` or a cron window with a duration.
- Alerting: an EventBridge rule on ``RotationFailed``/``RotationAbandoned`` for this secret
  to the stack's alarm topic, and (with alarms on) an alarm on the rotation function's errors.
- A consumer example: ServiceFunction ``app`` in the VPC that may read this one secret and
  decrypt with this key only through Secrets Manager.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.alarms import lambda_metric, metric_alarm
from components.function import FunctionSpec, FunctionVpc, ServiceFunction
from components.kms import customer_managed_key
from components.network import MYSQL_PORT, PrivateNetwork
from components.platform import Platform
from components.rotation_application import PASSWORD_LENGTH, SAR_CAPABILITIES, allowed_specials, sar_application_id
from components.secrets import consumer_statements
from components.settings.database import DatabaseSettings

ROTATION_FAILURE_EVENTS = ["RotationFailed", "RotationAbandoned"]
EXTENSION_PORT = "2773"


class RotatedAuroraSecret(pulumi.ComponentResource):
    cluster_arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    secret_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    rotation_function_arn: pulumi.Output[str] | None
    app_function_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: DatabaseSettings,
        network: PrivateNetwork,
        platform: Platform,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("iam-platform:database:RotatedAuroraSecret", name, None, opts)
        self._name, self._settings, self._platform = name, settings, platform
        child = pulumi.ResourceOptions(parent=self)
        protected = platform.protection.deletion_protection
        strategy = settings.rotation.strategy

        key = customer_managed_key(f"{name}-key", "database storage and credentials", platform, self, protect=protected)
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=network.subnet_ids,
            description=f"{platform.project}/{platform.stack} database subnets",
            opts=child,
        )

        master_password = None if strategy == "rds-managed" else self._password("master-password")
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            engine="aurora-mysql",
            engine_mode="provisioned",
            engine_version=settings.engine_version,
            database_name=settings.database_name,
            master_username=settings.master_username,
            master_password=master_password.result if master_password else None,
            manage_master_user_password=True if strategy == "rds-managed" else None,
            master_user_secret_kms_key_id=key.arn if strategy == "rds-managed" else None,
            serverlessv2_scaling_configuration=aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=settings.min_capacity, max_capacity=settings.max_capacity
            ),
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[network.db_security_group_id],
            port=MYSQL_PORT,
            backup_retention_period=settings.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=protected,
            skip_final_snapshot=not settings.final_snapshot,
            final_snapshot_identifier=self._final_snapshot_identifier() if settings.final_snapshot else None,
            enabled_cloudwatch_logs_exports=list(settings.log_exports),
            # The rotation owns the password from the first rotation on.
            opts=pulumi.ResourceOptions(parent=self, protect=protected, ignore_changes=["masterPassword"]),
        )
        # Rotation is switched on only once there is a database to rotate against: Secrets
        # Manager tests the rotation function when rotation is configured.
        self._ready_to_rotate: list[pulumi.Resource] = []
        for index in range(1 + settings.readers):
            role = "writer" if index == 0 else f"reader-{index}"
            instance = aws.rds.ClusterInstance(
                f"{name}-{role}",
                cluster_identifier=cluster.id,
                instance_class="db.serverless",
                # The provider types the cluster's engine output as a string, the instance's input as EngineType.
                engine=cast("pulumi.Output[aws.rds.EngineType]", cluster.engine),
                engine_version=cluster.engine_version,
                publicly_accessible=False,
                promotion_tier=index,
                db_subnet_group_name=subnets.name,
                opts=child,
            )
            self._ready_to_rotate.append(instance)

        self.rotation_function_arn = None
        if strategy == "rds-managed":
            secret_arn = cluster.master_user_secrets.apply(lambda secrets: secrets[0]["secret_arn"])
            self._schedule(secret_arn, None)
        else:
            assert master_password is not None  # made above for every strategy but rds-managed
            master_secret = self._secret(
                "master-secret" if strategy == "alternating-users" else "secret",
                key,
                cluster,
                settings.master_username,
                master_password,
                protected,
            )
            secret_arn = master_secret.arn
            if strategy == "alternating-users":
                app_secret = self._secret(
                    "secret",
                    key,
                    cluster,
                    settings.rotation.app_username,
                    self._password("app-password"),
                    protected,
                    extra={"masterarn": master_secret.arn},
                )
                secret_arn = app_secret.arn
            rotation = self._rotation_application(
                key, network, master_secret if strategy == "alternating-users" else None
            )
            self.rotation_function_arn = rotation.outputs.apply(lambda outputs: outputs["RotationLambdaARN"])
            self._schedule(secret_arn, self.rotation_function_arn, depends_on=[rotation])
            if platform.observability.alarms_enabled:
                self._rotation_errors_alarm()
        self._failure_alerts(secret_arn)

        app = ServiceFunction(
            f"{name}-app",
            FunctionSpec(
                code="app",
                description="Example database consumer: health check through rotated credentials",
                statements=consumer_statements(secret_arn, key.arn, platform.region),
                environment=self._app_environment(secret_arn, cluster, strategy),
                vpc=FunctionVpc(network.subnet_ids, [network.app_security_group_id]),
                layers=[settings.secrets_extension_layer_arn] if settings.secrets_extension_layer_arn else (),
                packages=("pymysql",),
            ),
            platform,
            opts=child,
        )

        self.cluster_arn, self.endpoint = cluster.arn, cluster.endpoint
        self.secret_arn, self.key_arn = secret_arn, key.arn
        self.app_function_arn = app.function.arn
        self.register_outputs(
            {
                "clusterArn": self.cluster_arn,
                "endpoint": self.endpoint,
                "secretArn": self.secret_arn,
                "appFunctionArn": self.app_function_arn,
            }
        )

    def _final_snapshot_identifier(self) -> pulumi.Output[str]:
        """Unique per life of the stack: a snapshot outlives a destroy, and a second one of the same
        name would stop the next destroy."""
        suffix = random.RandomId(
            f"{self._name}-final-snapshot-id", byte_length=4, opts=pulumi.ResourceOptions(parent=self)
        )
        prefix = f"{self._platform.project}-{self._platform.stack}-{self._name}-final"
        return suffix.hex.apply(lambda hex_: f"{prefix}-{hex_}")

    def _password(self, suffix: str) -> random.RandomPassword:
        return random.RandomPassword(
            f"{self._name}-{suffix}",
            length=PASSWORD_LENGTH,
            special=True,
            min_special=2,
            min_numeric=2,
            min_upper=2,
            min_lower=2,
            override_special=allowed_specials(self._settings.rotation.exclude_characters),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _secret(
        self,
        suffix: str,
        key: aws.kms.Key,
        cluster: aws.rds.Cluster,
        username: str,
        password: random.RandomPassword,
        protected: bool,
        extra: dict[str, Any] | None = None,
    ) -> aws.secretsmanager.Secret:
        platform = self._platform
        kind = "master" if suffix == "master-secret" else "credentials"
        secret = aws.secretsmanager.Secret(
            f"{self._name}-{suffix}",
            name=f"{platform.project}/{platform.stack}/{self._name}/{kind}",
            description=f"Aurora MySQL {kind} ({username}), rotated by Secrets Manager",
            kms_key_id=key.arn,
            recovery_window_in_days=platform.protection.secret_recovery_days,
            opts=pulumi.ResourceOptions(parent=self, protect=protected),
        )
        value: pulumi.Input[str] = pulumi.Output.all(
            cluster.endpoint, cluster.cluster_identifier, password.result, extra or {}
        ).apply(
            lambda args: json.dumps(
                {
                    "engine": "mysql",
                    "host": args[0],
                    "port": MYSQL_PORT,
                    "username": username,
                    "password": args[2],
                    "dbname": self._settings.database_name,
                    "dbClusterIdentifier": args[1],
                    **args[3],
                },
                sort_keys=True,
            )
        )
        # Written once; from then on the rotation owns the value.
        initial = aws.secretsmanager.SecretVersion(
            f"{self._name}-{suffix}-initial",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(value),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secretString"]),
        )
        self._ready_to_rotate.append(initial)
        return secret

    def _rotation_application(
        self, key: aws.kms.Key, network: PrivateNetwork, master_secret: aws.secretsmanager.Secret | None
    ) -> aws.serverlessrepository.CloudFormationStack:
        platform, rotation = self._platform, self._settings.rotation
        endpoint = (
            pulumi.Output.concat("https://", network.secrets_manager_dns)
            if network.secrets_manager_dns
            else f"https://secretsmanager.{platform.region}.amazonaws.com"
        )
        parameters: dict[str, pulumi.Input[str]] = {
            "functionName": self.rotation_function_name,
            "endpoint": endpoint,
            "vpcSubnetIds": pulumi.Output.all(*network.subnet_ids).apply(",".join),
            "vpcSecurityGroupIds": network.rotation_security_group_id,
            "excludeCharacters": rotation.exclude_characters,
            "kmsKeyArn": key.arn,
        }
        if master_secret is not None:
            parameters.update(masterSecretArn=master_secret.arn, masterSecretKmsKeyArn=key.arn)
        return aws.serverlessrepository.CloudFormationStack(
            f"{self._name}-rotation-app",
            application_id=sar_application_id(rotation.strategy),
            semantic_version=rotation.application_version,
            capabilities=SAR_CAPABILITIES,
            parameters=parameters,
            opts=pulumi.ResourceOptions(parent=self),
        )

    @property
    def rotation_function_name(self) -> str:
        return f"{self._platform.project}-{self._platform.stack}-{self._name}-rotation"[:64]

    def _schedule(
        self,
        secret_arn: pulumi.Input[str],
        function_arn: pulumi.Input[str] | None,
        depends_on: list[pulumi.Resource] | None = None,
    ) -> None:
        rotation = self._settings.rotation
        aws.secretsmanager.SecretRotation(
            f"{self._name}-rotation",
            secret_id=secret_arn,
            rotation_lambda_arn=function_arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                schedule_expression=rotation.schedule_expression, duration=rotation.duration
            ),
            rotate_immediately=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self._ready_to_rotate, *(depends_on or [])]),
        )

    def _failure_alerts(self, secret_arn: pulumi.Output[str]) -> None:
        pattern = secret_arn.apply(
            lambda arn: json.dumps(
                {
                    "source": ["aws.secretsmanager"],
                    "detail-type": ["AWS Service Event via CloudTrail"],
                    "detail": {"eventName": ROTATION_FAILURE_EVENTS, "additionalEventData": {"SecretId": [arn]}},
                },
                sort_keys=True,
            )
        )
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-rotation-failed",
            description="Secrets Manager could not rotate the database secret",
            event_pattern=pattern,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.cloudwatch.EventTarget(
            f"{self._name}-rotation-failed-alarm",
            rule=rule.name,
            arn=self._platform.alarm_actions()[0],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _rotation_errors_alarm(self) -> None:
        metric_alarm(
            f"{self._name}-rotation-errors-alarm",
            f"{self._name}: the rotation function failed in the last hour",
            1,
            self._platform,
            self,
            lambda_metric("Errors", self.rotation_function_name),
            period=3600,
        )

    def _app_environment(
        self, secret_arn: pulumi.Output[str], cluster: aws.rds.Cluster, strategy: str
    ) -> dict[str, pulumi.Input[str]]:
        environment: dict[str, pulumi.Input[str]] = {
            "DB_SECRET_ARN": secret_arn,
            "DB_CREDENTIALS_TTL_SECONDS": str(self._settings.credentials_ttl_seconds),
        }
        if strategy == "rds-managed":  # RDS's secret holds only username and password
            environment.update(DB_HOST=cluster.endpoint, DB_PORT=str(MYSQL_PORT), DB_NAME=self._settings.database_name)
        if self._settings.secrets_extension_layer_arn:
            environment["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] = EXTENSION_PORT
        return environment
