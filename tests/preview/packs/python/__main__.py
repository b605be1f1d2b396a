"""A pack outside this repository: Kinesis streams must be encrypted."""

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def _stream_encrypted(args, report_violation):
    if args.resource_type == "aws:kinesis/stream:Stream" and args.props.get("encryptionType") != "KMS":
        report_violation(f'stream {args.name} is not encrypted with KMS; set encryption_type="KMS"')


PolicyPack(
    name="team-python-pack",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="kinesis-stream-encrypted", description="Kinesis streams use KMS.", validate=_stream_encrypted
        )
    ],
)
