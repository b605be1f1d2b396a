"""Container images for Lambda: an ECR repository encrypted with its own customer-managed key."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam
from components.kms import customer_managed_key
from components.platform import Platform

# What Lambda needs to pull an image (same account).
ECR_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


class ImageRepository(pulumi.ComponentResource):
    """An auto-named, immutable-tag ECR repository encrypted with a customer-managed key.

    Images are pushed by CI; a function then uses one with ``ContainerImage``. Each
    repository serves one function: its repository policy lets lambda.amazonaws.com pull
    only for that function (``aws:SourceArn``), and a repository has one policy.
    """

    repository_url: pulumi.Output[str]
    repository_name: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, platform: Platform, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("iam-platform:images:ImageRepository", name, None, opts)
        protected = platform.protection.deletion_protection
        key = customer_managed_key(f"{name}-key", f"{name} container images", platform, self)
        repository = aws.ecr.Repository(
            f"{name}-repo",
            image_tag_mutability="IMMUTABLE",
            force_delete=not protected,
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=key.arn)
            ],
            opts=pulumi.ResourceOptions(parent=self, protect=protected),
        )
        self.repository_url, self.repository_name, self.key_arn = repository.repository_url, repository.name, key.arn
        self._puller: str | None = None
        self.register_outputs({"repositoryUrl": self.repository_url, "keyArn": self.key_arn})

    def allow_pull(
        self, name: str, function_resource_name: str, platform: Platform, parent: pulumi.Resource
    ) -> aws.ecr.RepositoryPolicy:
        """Let Lambda pull from this repository for the function Pulumi will auto-name from
        ``function_resource_name`` (``<resource name>-<7 hex>``). Lambda checks the pull when
        the function is created, so this policy must exist first: it names the function by
        its ARN pattern, not by an ARN that does not exist yet."""
        if self._puller is not None:
            raise ValueError(f"repository already serves {self._puller}; give {name} its own ImageRepository")
        self._puller = name
        function_arns = pulumi.Output.concat(
            "arn:",
            platform.partition,
            ":lambda:",
            platform.region,
            ":",
            platform.account_id,
            ":function:",
            function_resource_name,
            "-*",
        )
        return aws.ecr.RepositoryPolicy(
            name,
            repository=self.repository_name,
            policy=iam.policy_document(
                [
                    iam.resource_grant(
                        {"Service": ["lambda.amazonaws.com"]},
                        ECR_PULL,
                        [],
                        sid="LambdaPullsForOneFunction",
                        # The form AWS documents for Lambda's pulls: aws:sourceArn only (the pattern
                        # names the account); Lambda is not documented to send aws:SourceAccount here.
                        conditions={"ArnLike": {"aws:sourceArn": function_arns}},
                    )
                ]
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )


@dataclass(frozen=True)
class ContainerImage:
    """One image in a repository, by immutable tag or by digest (``sha256:...``)."""

    repository: ImageRepository
    reference: str

    def __post_init__(self) -> None:
        if not self.reference or any(c in self.reference for c in "/ @"):
            raise ValueError(f"image reference {self.reference!r} must be a tag or sha256:<digest>")

    def uri(self) -> pulumi.Output[str]:
        separator = "@" if self.reference.startswith("sha256:") else ":"
        return pulumi.Output.concat(self.repository.repository_url, separator, self.reference)
