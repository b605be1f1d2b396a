"""Placeholders for `secure:` values that fit each field's rule.

A secure value cannot be decrypted offline, yet the settings around it should be validated as
``pulumi up`` validates them with the real value. Each placeholder starts as the e-mail-shaped
``SECURE_PLACEHOLDER`` and, where the settings check refuses it at that very key, is replaced by
the next shape that real values of that kind have (an identifier, an ARN, a URL, an AWS id).
A placeholder that no shape fits stays, and the check's error names the key with ``[secret]``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from components.settings import StackConfigError, parse_stack_settings
from preview.stack_files import SECURE_PLACEHOLDER, StackSettings

SHAPES = (
    SECURE_PLACEHOLDER,  # e-mail, secret names, tag values, free text
    "secured",  # user, database and profile names
    "https://secure-value.invalid",  # issuer and API URLs
    "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000",
    "arn:aws:iam::123456789012:oidc-provider/secure-value.invalid",
    "arn:aws:lambda:us-east-1:123456789012:layer:secured:1",
    "vpc-0000000000000000a",
    "subnet-0000000000000000a",
    "0000000000000000000000000000000000000000",  # certificate thumbprints
    "10.0.0.0/16",
)


def fit_placeholders(settings: StackSettings, environ: Mapping[str, str] = os.environ) -> StackSettings:
    """``settings`` with each placeholder the first shape the settings check accepts at its key."""
    config = dict(settings.config)
    for key, path in settings.secure_paths:
        for shape in SHAPES:
            config = _with(config, key, path, shape)
            if not _refused_at(settings, config, _display_key(key, path), environ):
                break
        else:
            config = _with(config, key, path, SECURE_PLACEHOLDER)
    return replace(settings, config=config)


def _refused_at(settings: StackSettings, config: dict[str, str], display_key: str, environ: Mapping[str, str]) -> bool:
    try:
        parse_stack_settings(settings.stack, config, frozenset(settings.secure_keys), environ, project=settings.project)
    except StackConfigError as error:
        return any(problem.startswith(f"{display_key} = ") for problem in error.problems)
    return False


def _with(config: dict[str, str], key: str, path: tuple[Any, ...], shape: str) -> dict[str, str]:
    if not path:
        return {**config, key: shape}
    value = json.loads(config[key])
    holder = value
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = shape
    return {**config, key: json.dumps(value)}


def _display_key(key: str, path: tuple[Any, ...]) -> str:
    """The key as the settings check names it: ``iam-platform:external.subjects[0]``."""
    return key + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
