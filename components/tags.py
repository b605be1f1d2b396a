"""Tags the policy pack reads to recognise resources. The pack's defaults name the same keys
(tests/components/test_tag_contracts.py keeps the two in step); change both or neither."""

ROTATION_EXEMPT = "iam-platform:rotation-exempt"  # value: why Secrets Manager cannot rotate it
PROTECTED_ROLE = "iam-platform:protected"  # "true" on roles only the TVM may assume
TVM_ROLE = "iam-platform:tvm"  # "true" on the TVM's own role
ROLLOUT_PERCENT = "iam-platform:rollout-percent"  # "0".."100" on the verification function
FUNCTION_ROLE = "iam-platform:role"  # EXECUTION on the execution function
EXECUTION = "execution"
