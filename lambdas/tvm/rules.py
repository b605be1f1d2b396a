"""Access rules of one profile: parse, validate and evaluate.

A rules document (JSON, or YAML when PyYAML is importable) lives in the profile's SSM
parameter::

    version: 1
    role_arn: arn:aws:iam::123456789012:role/...   # the protected role; never from a request
    max_duration: 3600
    rules:                       # first match wins; no match denies
      - name: oncall
        effect: allow            # allow | deny | require_approval
        users: ["alice", "ops-*"]
        sources: ["sso:*"]       # optional: identity sources (iam-user, sso:<set>, role:<name>)
        time: {days: [mon, tue], hours: "08:00-18:00", timezone: Europe/Berlin}
        max_duration: 1800
        approvers: ["bob"]       # for require_approval

``users``, ``approvers`` and ``sources`` are shell-style globs matched without case: the
TVM's identities are case-folded (``lambdas.tvm.identity``), so ``Intern-*`` and ``intern-*``
name the same people. ``sources`` (default: any) limits a rule to identity sources:
``iam-user``, ``sso:<permission set>`` (IAM Identity Center) or ``role:<role name>``.
``hours`` is ``HH:MM-HH:MM`` in the rule's timezone, start included, end excluded; a window
whose end is before its start runs over midnight (``22:00-06:00``). ``days`` is checked
against the local day of the request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lambdas.common.errors import PlatformError

MIN_DURATION = 900
MAX_DURATION = 43200
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALLOW, DENY, REQUIRE_APPROVAL = "allow", "deny", "require_approval"
_HOURS = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]|24):([0-5][0-9])")
_ROLE_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$"
_GLOB = re.compile(r"[A-Za-z0-9_+=,.@*?\[\]!-]{1,128}")
_SOURCE_GLOB = re.compile(r"[A-Za-z0-9_+=,.@*?\[\]!:-]{1,140}")


class RulesDocumentError(PlatformError):
    """The document cannot be used; the message is for operators (logs), not callers."""

    def __init__(self, message: str) -> None:
        super().__init__("INVALID_RULES", message)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Model):
    days: tuple[Day, ...] = DAYS
    hours: str | None = None
    timezone: str = "UTC"

    @field_validator("hours")
    @classmethod
    def _hours_shape(cls, hours: str | None) -> str | None:
        if hours is not None:
            match = _HOURS.fullmatch(hours)
            if not match or (match.group(3) == "24" and match.group(4) != "00"):
                raise ValueError("hours must look like 08:00-18:00")
            if hours[:5] == hours[6:]:
                raise ValueError("hours must not start and end at the same minute")
        return hours

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {zone!r}") from None
        return zone

    @field_validator("days")
    @classmethod
    def _some_days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        if not days:
            raise ValueError("days must name at least one day")
        return days

    def contains(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        if DAYS[local.weekday()] not in self.days:
            return False
        if self.hours is None:
            return True
        start, end = _minutes(self.hours[:5]), _minutes(self.hours[6:])
        minute = local.hour * 60 + local.minute
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class Rule(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    effect: Literal["allow", "deny", "require_approval"]
    users: tuple[str, ...] = Field(min_length=1)
    time: TimeWindow | None = None
    max_duration: int | None = Field(None, ge=MIN_DURATION, le=MAX_DURATION)
    approvers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @field_validator("users", "approvers")
    @classmethod
    def _globs(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if not _GLOB.fullmatch(pattern):
                raise ValueError(f"{pattern!r} is not a user name or glob")
        return patterns

    @field_validator("sources")
    @classmethod
    def _source_globs(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if not _SOURCE_GLOB.fullmatch(pattern) or not (
                pattern.lower() == "iam-user" or pattern.lower().startswith(("sso:", "role:", "*"))
            ):
                raise ValueError(f"{pattern!r} is not an identity source (iam-user, sso:<set>, role:<name>)")
        return patterns

    @model_validator(mode="after")
    def _approvers_only_for_approval(self) -> Rule:
        if self.effect == REQUIRE_APPROVAL and not self.approvers:
            raise ValueError(f"rule {self.name!r}: require_approval needs approvers")
        if self.effect != REQUIRE_APPROVAL and self.approvers:
            raise ValueError(f"rule {self.name!r}: approvers only apply to require_approval")
        return self

    def matches(self, user: str, now: datetime, source: str = "") -> bool:
        if not matches_any(user, self.users):
            return False
        if self.sources and not matches_any(source, self.sources):
            return False
        return self.time is None or self.time.contains(now)

    def may_approve(self, approver: str) -> bool:
        return matches_any(approver, self.approvers)


def matches_any(value: str, patterns: tuple[str, ...]) -> bool:
    """``value`` matches one of the globs, without case."""
    value = value.lower()
    return any(fnmatchcase(value, pattern.lower()) for pattern in patterns)


class RulesDocument(_Model):
    version: Literal[1]
    role_arn: str = Field(pattern=_ROLE_ARN)
    max_duration: int = Field(3600, ge=MIN_DURATION, le=MAX_DURATION)
    rules: tuple[Rule, ...]

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        names = [rule.name for rule in rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique: {', '.join(duplicates)}")
        return rules

    def first_match(self, user: str, now: datetime, source: str = "") -> Rule | None:
        """The first rule that matches ``user`` (from ``source``) at ``now``; None means deny."""
        return next((rule for rule in self.rules if rule.matches(user, now, source)), None)

    def cap(self, rule: Rule | None) -> int:
        """The longest session this document allows under ``rule``."""
        if rule is not None and rule.max_duration is not None:
            return min(self.max_duration, rule.max_duration)
        return self.max_duration


@dataclass(frozen=True)
class Decision:
    effect: str  # allow | deny | require_approval
    rule: str | None  # None when no rule matched
    reason: str
    max_duration: int


def decide(document: RulesDocument, user: str, now: datetime, source: str = "") -> Decision:
    rule = document.first_match(user, now, source)
    if rule is None:
        return Decision(DENY, None, "no rule matches", document.max_duration)
    return Decision(rule.effect, rule.name, f"rule {rule.name} matched", document.cap(rule))


def parse_rules_document(text: str) -> RulesDocument:
    """Parse JSON (or YAML if PyYAML is installed) and validate; RulesDocumentError if unusable."""
    data = _load(text)
    try:
        return RulesDocument.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in error.errors())
        raise RulesDocumentError(f"invalid rules document: {problems}") from None


def validate_rules(data: object) -> RulesDocument:
    """Validate an already-parsed document (used by the stack settings at preview time)."""
    try:
        return RulesDocument.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in error.errors())
        raise RulesDocumentError(problems) from None


def _load(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml  # not in the Lambda runtime unless packaged; the component writes JSON
    except ImportError:
        raise RulesDocumentError("rules document is not JSON") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise RulesDocumentError("rules document is neither JSON nor YAML") from None


def resolve_duration(requested: int | None, default: int, cap: int) -> int:
    """The session length: the request (or the default), cut to ``cap``."""
    return min(requested if requested is not None else default, cap)
