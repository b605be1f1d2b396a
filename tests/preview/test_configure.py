"""preview.pack_config: the Configure request as the engine sends it."""

from __future__ import annotations

from google.protobuf import json_format
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.pack import build_policies
from preview.pack_config import configure_request


def test_a_policy_without_settings_gets_an_empty_properties_struct():
    # The Node SDK reads `getProperties().toJavaScript()` on every entry: a missing Struct crashes it.
    servicer = _PolicyAnalyzerServicer("pack", "0.0.1", build_policies(), EnforcementLevel.MANDATORY, None)
    info = servicer.GetAnalyzerInfo(None, None)
    without_settings = [p.name for p in info.policies if not json_format.MessageToDict(p.configSchema.properties)]
    assert without_settings, "the pack has no policy without settings to check this with"

    request = configure_request(info, {})

    for name in without_settings:
        assert request.policyConfig[name].HasField("properties"), name
        assert json_format.MessageToDict(request.policyConfig[name].properties) == {}
