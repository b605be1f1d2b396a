"""PrivateNetwork: where the database, its rotation function and its consumers run.

Without ``network.vpcId``/``subnetIds``: a VPC with one private subnet per availability
zone (two by default) and no internet route at all (no internet gateway, no NAT; the
subnets use the main route table, which holds only the local route). With them: the
existing VPC and subnets.

Either way it declares the security groups, least reach first:

- ``db``: accepts 3306 from ``rotation`` and ``app`` only; no egress;
- ``rotation`` and ``app``: egress to the database on 3306 and to the endpoint on 443 only;
- ``endpoint``: accepts 443 from ``rotation`` and ``app``;

and, unless ``secretsManagerEndpoint`` is false, an interface VPC endpoint for Secrets
Manager with private DNS, so the rotation function and the apps reach its API without NAT.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_aws as aws

from components import iam
from components.platform import Platform
from components.settings.network import NetworkSettings

MYSQL_PORT = 3306
HTTPS_PORT = 443
# What the database's users ask of the Secrets Manager endpoint; its policy allows no more.
ENDPOINT_ACTIONS = [
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:GetRandomPassword",
]


class PrivateNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    subnet_ids: list[pulumi.Output[str]]
    db_security_group_id: pulumi.Output[str]
    rotation_security_group_id: pulumi.Output[str]
    app_security_group_id: pulumi.Output[str]
    # The endpoint's own DNS name (vpce-...secretsmanager.<region>.vpce.amazonaws.com); None
    # without an endpoint.
    secrets_manager_dns: pulumi.Output[str] | None

    def __init__(
        self, name: str, settings: NetworkSettings, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:network:PrivateNetwork", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        if settings.vpc_id:
            self.vpc_id = pulumi.Output.from_input(settings.vpc_id)
            self.subnet_ids = [pulumi.Output.from_input(s) for s in settings.subnet_ids or ()]
        else:
            self._create_vpc(settings, child)

        db = self._group("db", "Aurora MySQL: 3306 from the rotation function and the apps only", child)
        rotation = self._group("rotation", "Secrets Manager rotation function: database and endpoint only", child)
        app = self._group("app", "Database consumers: database and endpoint only", child)
        for client, source in (("rotation", rotation), ("app", app)):
            _open_port(
                MYSQL_PORT,
                (source, f"{name}-{client}-to-db", "MySQL to the database"),
                (db, f"{name}-db-from-{client}", f"MySQL from the {client} functions"),
                child,
            )

        self.secrets_manager_dns = None
        if settings.secrets_manager_endpoint:
            endpoint_group = self._group("endpoint", "Secrets Manager endpoint: 443 from the functions", child)
            for client, source in (("rotation", rotation), ("app", app)):
                _open_port(
                    HTTPS_PORT,
                    (source, f"{name}-{client}-to-endpoint", "HTTPS to the Secrets Manager endpoint"),
                    (endpoint_group, f"{name}-endpoint-from-{client}", f"HTTPS from the {client} functions"),
                    child,
                )
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-secretsmanager",
                vpc_id=self.vpc_id,
                service_name=f"com.amazonaws.{platform.region}.secretsmanager",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[endpoint_group.id],
                policy=iam.policy_document(
                    [
                        iam.resource_grant(
                            {"AWS": ["*"]},
                            ENDPOINT_ACTIONS,
                            ["*"],
                            conditions={"StringEquals": {"aws:PrincipalAccount": platform.account_id}},
                            sid="OnlyThisAccountsPrincipals",
                        )
                    ]
                ),
                opts=child,
            )
            self.secrets_manager_dns = endpoint.dns_entries.apply(lambda entries: entries[0]["dns_name"])
        else:
            # The VPC's own endpoint (its security group is not ours to name) or a NAT route
            # reaches Secrets Manager: allow HTTPS out, or the functions reach nothing but MySQL.
            for client, source in (("rotation", rotation), ("app", app)):
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-{client}-to-secretsmanager",
                    security_group_id=source.id,
                    cidr_ipv4="0.0.0.0/0",
                    ip_protocol="tcp",
                    from_port=HTTPS_PORT,
                    to_port=HTTPS_PORT,
                    description="HTTPS to Secrets Manager (the VPC's endpoint or NAT)",
                    opts=child,
                )

        self.db_security_group_id = db.id
        self.rotation_security_group_id = rotation.id
        self.app_security_group_id = app.id
        self.register_outputs(
            {"vpcId": self.vpc_id, "subnetIds": self.subnet_ids, "dbSecurityGroupId": self.db_security_group_id}
        )

    def _create_vpc(self, settings: NetworkSettings, child: pulumi.ResourceOptions) -> None:
        name = self._name
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # private DNS of interface endpoints
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        # The default security group allows all traffic between its members: empty it.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, opts=child)
        zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOptions(parent=self))
        blocks = list(ipaddress.IPv4Network(settings.cidr_block).subnets(new_prefix=_subnet_prefix(settings)))
        self.vpc_id = vpc.id
        self.subnet_ids = [
            aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=str(blocks[index]),
                availability_zone=zones.names[index],
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{index}"},
                opts=child,
            ).id
            for index in range(settings.availability_zones)
        ]

    def _group(self, role: str, description: str, child: pulumi.ResourceOptions) -> aws.ec2.SecurityGroup:
        # No inline rules: the standalone rule resources above are the only ones, and a
        # security group declared without egress has none.
        return aws.ec2.SecurityGroup(
            f"{self._name}-{role}-sg",
            vpc_id=self.vpc_id,
            description=description,
            tags={"Name": f"{self._name}-{role}"},
            opts=child,
        )


def _subnet_prefix(settings: NetworkSettings) -> int:
    """Room for four subnets of equal size: /16 gives /18s, /22 gives /24s."""
    return ipaddress.IPv4Network(settings.cidr_block).prefixlen + 2


def _open_port(
    port: int,
    source: tuple[aws.ec2.SecurityGroup, str, str],
    target: tuple[aws.ec2.SecurityGroup, str, str],
    opts: pulumi.ResourceOptions,
) -> None:
    """TCP ``port`` from one security group to another: the egress rule on the source (group, rule name,
    description) and the ingress rule on the target."""
    (source_group, egress_name, egress_description), (target_group, ingress_name, ingress_description) = source, target
    for rule, name, group, other, description in (
        (aws.vpc.SecurityGroupIngressRule, ingress_name, target_group, source_group, ingress_description),
        (aws.vpc.SecurityGroupEgressRule, egress_name, source_group, target_group, egress_description),
    ):
        rule(
            name,
            security_group_id=group.id,
            referenced_security_group_id=other.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=description,
            opts=opts,
        )
