"""Values AWS APIs accept, which the program's settings (components/settings/) and the pack's rules both check.

Plain data without imports: the pack loads without the program's dependencies, and components may import
from policies (never the other way round).
"""

# The retention periods CloudWatch Logs accepts, in days ("Possible values" of retentionInDays in the
# PutRetentionPolicy API reference, https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
# API_PutRetentionPolicy.html; the same list documents the `Days` shape of botocore's logs 2014-03-28 model,
# which tests/policies/test_aws_values.py compares with this one).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
