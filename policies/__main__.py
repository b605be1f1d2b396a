"""The pack's entry point: the Pulumi CLI runs ``python -m pulumi.policy <engine> <this folder>``.

Building ``PolicyPack`` starts the analyzer's gRPC server and never returns, so it happens only
when this file runs as the program; importing ``policies`` never starts a server.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    # The CLI runs this file as a script from the pack folder: make that folder the `policies` package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    from pulumi_policy import PolicyPack

    from policies.pack import INITIAL_CONFIG, PACK_ENFORCEMENT_LEVEL, PACK_NAME, build_policies

    PolicyPack(
        PACK_NAME,
        policies=build_policies(),
        enforcement_level=PACK_ENFORCEMENT_LEVEL,
        initial_config=INITIAL_CONFIG,
    )
