"""policies/aws_values.py: the values AWS accepts, one list for the program's settings and the pack, importable
without the program's dependencies."""

import re
import subprocess
import sys
from pathlib import Path

import botocore.loaders
import pytest

from components.settings import StackConfigError, parse_stack_settings
from policies.aws_values import LOG_RETENTION_DAYS
from policies.rules.observability import RETENTION_SCHEMA

REPO = Path(__file__).resolve().parents[2]


def test_log_retention_days_are_the_values_cloudwatch_logs_documents():
    shape = botocore.loaders.Loader().load_service_model("logs", "service-2")["shapes"]["Days"]
    documented = re.search(r"Possible values are: ([^.]+)\.", shape["documentation"])

    assert documented is not None
    assert tuple(int(days) for days in re.findall(r"\d+", documented[1])) == LOG_RETENTION_DAYS


def test_the_setting_and_the_pack_config_accept_the_same_values():
    assert RETENTION_SCHEMA.properties["remediationRetentionDays"]["enum"] == list(LOG_RETENTION_DAYS)
    settings = {"aws:region": "eu-west-1", "iam-platform:observability": '{"logRetentionDays": 13}'}
    with pytest.raises(StackConfigError) as raised:
        parse_stack_settings("dev", settings, environ={})

    assert f"must be one of CloudWatch's retention periods {list(LOG_RETENTION_DAYS)}" in str(raised.value)


def test_the_pack_loads_without_the_programs_dependencies():
    # The Pulumi CLI installs only policies/requirements.txt for the pack: no pulumi_aws, pydantic or program code.
    code = (
        "import sys\n"
        "for name in ('pulumi_aws', 'pydantic', 'components', 'lambdas', 'preview'):\n"
        "    sys.modules[name] = None  # importing it now raises ImportError\n"
        "from policies.pack import build_policies\n"
        "assert len(build_policies()) > 30\n"
        "assert 'policies.aws_values' in sys.modules and 'policies.rules.observability' in sys.modules\n"
    )

    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
