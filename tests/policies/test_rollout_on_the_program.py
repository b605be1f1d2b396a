"""rollout-cleanup-complete on the real layers components (run under the preview's mocks),
with the tag contract applied the way the components are to set it."""

import pytest

from preview.analysis import analyze
from tests.support.harness import run_stack

POLICY = "rollout-cleanup-complete"


def tagged_layers(percent_setting: int, percent_tag: str) -> list[dict]:
    run = run_stack(
        "dev", {"iam-platform:layers": {"enabled": True, "rollout": {"apiGatewayPercent": percent_setting}}}
    )
    records = [dict(r) for r in run.records]
    for record in records:
        tags = None
        if record["type"] == "aws:lambda/function:Function" and record["name"] == "verification-fn-function":
            tags = {"iam-platform:rollout-percent": percent_tag}
        elif record["type"] == "aws:lambda/function:Function" and record["name"] == "execution-fn-function":
            tags = {"iam-platform:role": "execution"}
        if tags:
            record["inputs"] = {**record["inputs"], "tags": tags}
            record["outputs"] = {**record["outputs"], "tags": tags, "tagsAll": tags}
    return records


@pytest.mark.parametrize("percent", [10, 100])
def test_the_layers_pass_during_and_after_the_rollout(percent):
    assert [v for v in analyze(tagged_layers(percent, str(percent))) if v.policy == POLICY] == []


def test_a_finished_rollout_that_still_grants_the_direct_path_fails():
    violations = [v for v in analyze(tagged_layers(50, "100")) if v.policy == POLICY]

    [violation] = violations
    assert violation.urn.endswith("aws:iam/rolePolicy:RolePolicy::verification-fn-policy")
    assert (
        'still grants role "verification-fn-role" lambda:InvokeFunction on "execution-fn-function"' in violation.message
    )
