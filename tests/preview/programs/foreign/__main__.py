"""Orders: an SQS queue drained by a Step Functions state machine. Step Functions, Kinesis and SSM
documents have no realistic fake outputs in the preview: they get generic ones."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
batch_size = config.require_int("batchSize")
token = config.require_secret("apiToken")

queue = aws.sqs.Queue("orders", name=config.require("queueName"))  # sets no messageRetentionSeconds
stream = aws.kinesis.Stream("audit", shard_count=1)

trust = aws.iam.get_policy_document(
    statements=[
        {
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["states.amazonaws.com"]}],
        }
    ]
)
role = aws.iam.Role("machine", assume_role_policy=trust.json)
aws.iam.RolePolicy(
    "machine-everything",
    role=role.id,
    policy=aws.iam.get_policy_document(
        statements=[
            {
                "actions": ["*"],
                "resources": ["*"],
            }
        ]
    ).json,
)

machine = aws.sfn.StateMachine(
    "drain",
    role_arn=role.arn,
    definition=pulumi.Output.all(queue.url, stream.arn).apply(
        lambda values: json.dumps(
            {
                "StartAt": "Receive",
                "States": {
                    "Receive": {
                        "Type": "Task",
                        "End": True,
                        "Resource": "arn:aws:states:::aws-sdk:sqs:receiveMessage",
                        "Parameters": {"QueueUrl": values[0], "MaxNumberOfMessages": batch_size},
                        "Comment": f"audited to {values[1]}",
                    }
                },
            }
        )
    ),
)

pulumi.export("queueUrl", queue.url)
pulumi.export("machineArn", machine.arn)
pulumi.export("streamName", stream.name)
pulumi.export("tokenLength", token.apply(len))
