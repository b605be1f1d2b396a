// AWSGuard as published, every rule at its default level.
const { AwsGuard } = require("@pulumi/awsguard");

new AwsGuard();
