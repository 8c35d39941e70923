"""Reading JUnit XML reports (what most test runners write) into test outcomes.

Only the standard library's parser is available (no defusedxml), so hostile input is refused
before parsing: files over `MAX_BYTES`, and any document type declaration (the way to entity
expansion attacks; JUnit reports never need one).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024
OUTCOMES = ("passed", "failed", "skipped", "error")


class JunitError(Exception):
    """A report that cannot be read; ``line`` when the parser tells where."""

    def __init__(self, file: Path, message: str, line: int | None = None) -> None:
        where = f"{file}:{line}" if line is not None else str(file)
        super().__init__(f"{where}: {message}")
        self.file = file
        self.message = message
        self.line = line


@dataclass(frozen=True)
class JunitCase:
    test_id: str  # classname::name
    outcome: str  # one of OUTCOMES
    duration_s: float | None


@dataclass(frozen=True)
class JunitReport:
    cases: list[JunitCase] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for case in self.cases:
            counts[case.outcome] += 1
        return counts


def read_junit(file: Path, *, max_bytes: int = MAX_BYTES) -> JunitReport:
    """The report in ``file``; `JunitError` when it is too big, unreadable or malformed."""
    try:
        with file.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise JunitError(file, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise JunitError(file, f"is larger than {max_bytes} bytes; not read")
    return parse_junit(data, file)


def parse_junit(data: bytes, file: Path) -> JunitReport:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise JunitError(file, "has a document type declaration, which JUnit reports never need")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise JunitError(file, f"is not well-formed XML ({exc})", line) from None
    if root.tag not in ("testsuites", "testsuite"):
        raise JunitError(file, f"is not a JUnit report (root element <{root.tag}>)")
    return JunitReport([_case(element) for element in root.iter("testcase")])


def _case(element: ET.Element) -> JunitCase:
    name = element.get("name", "")
    classname = element.get("classname", "")
    outcome = "passed"
    for child in element:
        if child.tag == "failure":
            outcome = "failed"
        elif child.tag == "error":
            outcome = "error"
        elif child.tag == "skipped" and outcome == "passed":
            outcome = "skipped"
    try:
        duration: float | None = float(element.get("time", ""))
    except ValueError:
        duration = None
    return JunitCase(f"{classname}::{name}" if classname else name, outcome, duration)
