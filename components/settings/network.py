"""Settings of the database's network (``iam-platform:network``)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator, model_validator

from components.settings.base import Settings, SubnetId, VpcId


class NetworkSettings(Settings):
    """The network the database lives in: a private VPC of our own unless ``vpcId`` and
    ``subnetIds`` name an existing one."""

    vpc_id: VpcId | None = None
    subnet_ids: list[SubnetId] | None = Field(None, min_length=2, max_length=6)
    cidr_block: str = "10.20.0.0/16"
    availability_zones: int = Field(2, ge=2, le=3)
    secrets_manager_endpoint: bool = True

    @field_validator("cidr_block")
    @classmethod
    def _private_cidr(cls, cidr: str) -> str:
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError:
            raise ValueError("must be an IPv4 network such as 10.20.0.0/16") from None
        if not network.is_private or not 16 <= network.prefixlen <= 22:
            raise ValueError("must be a private range with a prefix from /16 to /22")
        return str(network)

    @model_validator(mode="after")
    def _both_or_neither(self) -> NetworkSettings:
        if (self.vpc_id is None) != (self.subnet_ids is None):
            raise ValueError("set vpcId and subnetIds together, or neither (a private VPC is created)")
        if self.subnet_ids is not None and len(set(self.subnet_ids)) != len(self.subnet_ids):
            raise ValueError("subnetIds must not repeat a subnet")
        if not self.secrets_manager_endpoint and self.vpc_id is None:
            raise ValueError(
                "secretsManagerEndpoint: false needs vpcId and subnetIds: the VPC this program "
                "creates has no internet route, so only its own endpoint reaches Secrets Manager"
            )
        return self
