// A pack with one resource policy without settings (the Configure an empty Struct must reach)
// and one stack policy, both on types a foreign program uses.
const { PolicyPack, validateResourceOfType } = require("@pulumi/policy");

new PolicyPack("preview-test-node-pack", {
    policies: [
        {
            name: "sqs-queue-has-retention",
            description: "An SQS queue sets messageRetentionSeconds.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => {
                if (args.type === "aws:sqs/queue:Queue" && args.props.messageRetentionSeconds === undefined) {
                    reportViolation(`queue ${args.name} sets no messageRetentionSeconds`);
                }
            },
        },
        {
            name: "at-most-one-state-machine",
            description: "A stack holds at most one Step Functions state machine.",
            enforcementLevel: "advisory",
            validateStack: (args, reportViolation) => {
                const machines = args.resources.filter(r => r.type === "aws:sfn/stateMachine:StateMachine");
                if (machines.length > 1) {
                    reportViolation(`${machines.length} state machines`);
                }
            },
        },
    ],
});
