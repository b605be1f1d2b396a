"""Profiles and their rules documents in SSM Parameter Store, under one root path."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import PlatformError, aws_error_code
from lambdas.tvm.rules import RulesDocument, RulesDocumentError, parse_rules_document

# A profile is a name, never a path or an ARN.
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # matched whole (fullmatch)


class UnknownProfile(PlatformError):
    """No parameter holds this profile's rules."""

    def __init__(self, message: str) -> None:
        super().__init__("UNKNOWN_PROFILE", message)


class RulesUnavailable(PlatformError):
    """The rules document could not be read or is invalid (message for logs only)."""

    def __init__(self, message: str) -> None:
        super().__init__("RULES_UNAVAILABLE", message)


class ProfileSource:
    """Reads rules documents, keeping each for ``cache_seconds`` (0 disables the cache)."""

    def __init__(
        self, client: Any, root: str, cache_seconds: float = 30, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client, self.root, self.cache_seconds, self.clock = client, root.rstrip("/"), cache_seconds, clock
        self._cache: dict[str, tuple[float, RulesDocument]] = {}

    def path(self, profile: str) -> str:
        return f"{self.root}/{profile}"

    def rules(self, profile: str) -> RulesDocument:
        if not PROFILE_NAME.fullmatch(profile):
            raise UnknownProfile(profile)
        cached = self._cache.get(profile)
        if cached and self.clock() - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            answer = self.client.get_parameter(Name=self.path(profile), WithDecryption=True)
        except (ClientError, BotoCoreError) as error:
            code = aws_error_code(error)
            if code == "ParameterNotFound":
                raise UnknownProfile(profile) from None
            raise RulesUnavailable(f"get_parameter {self.path(profile)}: {code}") from None
        try:
            document = parse_rules_document(answer["Parameter"]["Value"])
        except RulesDocumentError as error:
            raise RulesUnavailable(f"{self.path(profile)}: {error}") from None
        self._cache[profile] = (self.clock(), document)
        return document

    def names(self) -> list[str]:
        names: list[str] = []
        try:
            for page in self.client.get_paginator("get_parameters_by_path").paginate(Path=self.root, Recursive=False):
                names += [p["Name"][len(self.root) + 1 :] for p in page.get("Parameters", [])]
        except (ClientError, BotoCoreError) as error:
            raise RulesUnavailable(f"get_parameters_by_path {self.root}: {type(error).__name__}") from None
        return sorted(n for n in names if PROFILE_NAME.fullmatch(n))
