"""The account and region every test pretends to be in (moto's default account, the stacks' region)."""

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
