"""Every relative link in the documentation resolves: the file exists and, for `path#anchor`, a heading of that
file produces the anchor as GitHub makes it (lower case, punctuation dropped, spaces as hyphens, `-1`, `-2` for
repeats)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "policies" / "README.md", *(ROOT / "docs").rglob("*.md")]
)

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"`[^`\n]*(?:\n[^`\n]+)*`")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_HTML_ID = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)


def prose(text: str) -> str:
    """The text without fenced blocks (their lines kept, so line numbers hold) and without code spans."""
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading renders as its text
    text = re.sub(r"`([^`]*)`|<[^>]+>", lambda m: m.group(1) or "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = prose(path.read_text())
    found, seen = set(_HTML_ID.findall(text)), {}
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> Iterator[tuple[int, str]]:
    text = prose(path.read_text())
    for match in _LINK.finditer(text):
        target = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            continue  # https:, mailto: ... : not ours to check offline
        yield text.count("\n", 0, match.start()) + 1, target


def broken(path: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for line, target in links(path):
        file_part, _, anchor = target.partition("#")
        where = path if not file_part else (path.parent / file_part).resolve()
        name = f"{path.relative_to(root)}:{line}: {target}"
        if not where.exists():
            problems.append(f"{name}: no such file")
        elif anchor and where.suffix == ".md" and anchor not in anchors(where):
            problems.append(f"{name}: no heading makes #{anchor}")
        elif file_part and not where.is_relative_to(root):
            problems.append(f"{name}: outside the repository")
    return problems


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken(path) == []


def test_the_documents_link_to_each_other():
    assert sum(1 for path in DOCUMENTS for _ in links(path)) > 40


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Exit codes and error messages", "exit-codes-and-error-messages"),
        ("Auditing a real stack: `--state FILE`", "auditing-a-real-stack---state-file"),
        ("Settings: `iam-platform:layers`", "settings-iam-platformlayers"),
        ("The credential client (`credential_process`)", "the-credential-client-credential_process"),
        ("Destroy, then up again", "destroy-then-up-again"),
        ("Settings (`iam-platform:tvm` in `Pulumi.<stack>.yaml`)", "settings-iam-platformtvm-in-pulumistackyaml"),
        ("Sessions <em>are</em> tokens", "sessions-are-tokens"),
        ("Quick start: one system at a time", "quick-start-one-system-at-a-time"),
        ("See [the pack](policies/README.md)", "see-the-pack"),
    ],
)
def test_anchors_are_made_as_github_makes_them(heading, anchor):
    assert slug(heading) == anchor


def test_a_missing_file_a_missing_heading_and_a_repeated_heading_are_told_apart(tmp_path):
    (tmp_path / "other.md").write_text("# Title\n\n## Part\n\n## Part\n\n```\n# not a heading\n```\n")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "[a](other.md#part-1) [b](other.md#part-2) [c](gone.md) [d](#nowhere) [e](#here)\n"
        "`[f](in-code.md)` [g](https://example.com/x) [h](other.md#not-a-heading)\n\n## Here\n\n"
        "```sh\n[i](fenced.md)\n```\n"
    )
    assert broken(doc, tmp_path) == [
        "doc.md:1: other.md#part-2: no heading makes #part-2",
        "doc.md:1: gone.md: no such file",
        "doc.md:1: #nowhere: no heading makes #nowhere",
        "doc.md:2: other.md#not-a-heading: no heading makes #not-a-heading",
    ]
