"""Run the schemathesis CLI against a mock and read what it reported.

Two kinds of run (see ``README.md`` beside this file for why they are separate):

- positive: only valid requests; every response must be documented (status code), of a
  documented media type, match its schema and its documented headers, and not be a 5xx;
  and (read from the HAR report, see `refused`) none may be refused with a 4xx.
- negative: only invalid requests; each must be refused with a 4xx (5xx does not count as
  a refusal here, unlike schemathesis' default), and the 4xx must be ``problem+json``.

Generation is deterministic (``--generation-deterministic``: the same cases on every run)
and bounded (``--max-examples``), so a run takes seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NEGATIVE_CONFIG = HERE / "schemathesis-negative.toml"

POSITIVE_CHECKS = (
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "not_a_server_error",
)
NEGATIVE_CHECKS = ("negative_data_rejection", "not_a_server_error")
# Stateful testing adds nothing for a stateless mock; the other three phases cover examples,
# boundary values and missing/mistyped parts (coverage), and random data (fuzzing).
PHASES = ("examples", "coverage", "fuzzing")


@dataclass(frozen=True)
class Known:
    """A failure schemathesis reports that is accepted, and why: it is accepted when it is
    for ``operation`` and its text contains every string of ``text``."""

    operation: str
    text: tuple[str, ...]
    why: str

    def covers(self, operation: str, block: str) -> bool:
        return operation == self.operation and all(part in block for part in self.text)


@dataclass
class RunResult:
    command: list[str]
    returncode: int
    output: str
    report_dir: Path
    # (operation, None) for a passing junit test case, (operation, text) for each failure or
    # error of a failing one: one text per distinct failing test case schemathesis found.
    testcases: list[tuple[str, str | None]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)

    def operations(self) -> set[str]:
        return {name for name, _ in self.testcases}

    def unexplained(self, known: Sequence[Known] = ()) -> list[str]:
        """The failures that no ``known`` entry covers, each as ``operation: text``."""
        return [
            f"{name}: {problem}"
            for name, problem in self.testcases
            if problem is not None and not any(k.covers(name, problem) for k in known)
        ]

    def explained(self, known: Sequence[Known]) -> list[Known]:
        """The ``known`` entries that covered a failure of this run."""
        return [
            k
            for k in known
            if any(
                problem is not None and k.covers(name, problem) for name, problem in self.testcases
            )
        ]

    def explain(self, limit: int = 12000) -> str:
        """The command and the tail of its output, for an assertion message."""
        tail = self.output[-limit:]
        return f"$ {' '.join(self.command)}\n(exit {self.returncode})\n{tail}"


def command(
    spec: Path,
    base_url: str,
    *,
    negative: bool,
    max_examples: int,
    report_dir: Path,
    phases: Sequence[str] = PHASES,
    headers: Sequence[str] = (),
) -> list[str]:
    """The schemathesis CLI command line, run with this interpreter. ``headers`` (``Name:
    value``) go with every request, e.g. the credentials the spec's security asks for."""
    args = [sys.executable, "-m", "schemathesis.cli"]
    if negative:
        args += ["--config-file", str(NEGATIVE_CONFIG)]
    args += [
        "run",
        str(spec),
        "--url",
        base_url,
        "--mode",
        "negative" if negative else "positive",
        "--checks",
        ",".join(NEGATIVE_CHECKS if negative else POSITIVE_CHECKS),
        "--phases",
        ",".join(phases),
        "--max-examples",
        str(max_examples),
        "--generation-deterministic",
        "--continue-on-failure",  # every distinct failure, not only the first per operation
        "--request-timeout",
        "10",
        "--no-color",
        "--report",
        "junit,har",
        "--report-dir",
        str(report_dir),
    ]
    for header in headers:
        args += ["--header", header]
    return args


def run(
    spec: Path,
    base_url: str,
    *,
    negative: bool,
    max_examples: int,
    work_dir: Path,
    env: dict[str, str],
    phases: Sequence[str] = PHASES,
    headers: Sequence[str] = (),
    timeout: float = 90.0,
) -> RunResult:
    """Run schemathesis in ``work_dir`` (its reports and caches land there)."""
    report_dir = work_dir / ("negative" if negative else "positive")
    args = command(
        spec,
        base_url,
        negative=negative,
        max_examples=max_examples,
        report_dir=report_dir,
        phases=phases,
        headers=headers,
    )
    done = subprocess.run(
        args,
        cwd=work_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result = RunResult(args, done.returncode, done.stdout + done.stderr, report_dir)
    result.testcases = _junit_testcases(report_dir)
    result.entries = _har_entries(report_dir)
    return result


_CASE_START = re.compile(r"^\d+\. Test Case ID:", re.MULTILINE)


def _junit_testcases(report_dir: Path) -> list[tuple[str, str | None]]:
    """(operation, None) for each passing junit test case; (operation, text) for each
    failing test case found (a junit failure lists them as ``1. Test Case ID: ...``)."""
    cases: list[tuple[str, str | None]] = []
    for path in sorted(report_dir.glob("junit*.xml")):
        for case in ET.parse(path).getroot().iter("testcase"):
            name = case.get("name", "?")
            problems = [
                (element.text or element.get("message") or element.tag).strip()
                for element in case
                if element.tag in ("failure", "error")
            ]
            if not problems:
                cases.append((name, None))
            for problem in problems:
                starts = [m.start() for m in _CASE_START.finditer(problem)] or [0]
                for begin, end in zip(starts, [*starts[1:], len(problem)], strict=True):
                    cases.append((name, problem[begin:end].strip()))
    return cases


def _har_entries(report_dir: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in sorted(report_dir.glob("har*.json")):
        entries.extend(json.loads(path.read_text(encoding="utf-8"))["log"]["entries"])
    return entries


def credential_headers(schemes: Mapping[str, Any]) -> list[str]:
    """Made-up credentials for a spec's security schemes, as ``Name: value`` headers: an API
    key in a header gets its header, HTTP basic/bearer, OAuth 2 and OpenID Connect get one
    ``Authorization`` (the first such scheme's). The mock checks presence, not validity."""
    headers: dict[str, str] = {}
    for scheme in schemes.values():
        if not isinstance(scheme, Mapping):
            continue
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") == "header":
            headers.setdefault(str(scheme.get("name")), "conformance-test-key")
        elif kind in ("http", "basic"):
            basic = kind == "basic" or str(scheme.get("scheme", "")).lower() == "basic"
            value = "Basic dGVzdDp0ZXN0" if basic else "Bearer conformance-test-token"
            headers.setdefault("Authorization", value)
        elif kind in ("oauth2", "openIdConnect"):
            headers.setdefault("Authorization", "Bearer conformance-test-token")
    return [f"{name}: {value}" for name, value in headers.items()]


@dataclass(frozen=True)
class KnownRefusal:
    """A refusal of a valid request that is accepted, and why: for a request body of
    ``content_type`` whose every violation (``name: message`` in the problem document)
    matches the regular expression ``violation``."""

    content_type: str
    violation: str
    why: str

    def covers(self, content_type: str, violations: Sequence[str]) -> bool:
        return (
            content_type == self.content_type
            and bool(violations)
            and all(re.search(self.violation, v) for v in violations)
        )


def refused(
    entries: Sequence[dict[str, Any]], known: Sequence[KnownRefusal] = ()
) -> tuple[list[str], set[KnownRefusal]]:
    """The 4xx answers in a HAR log that no ``known`` entry covers, described (with the
    problem's violations), and the known entries that covered some."""
    unexplained: list[str] = []
    used: set[KnownRefusal] = set()
    for entry in entries:
        response, request = entry["response"], entry["request"]
        status = int(response["status"])
        if not 400 <= status < 500:
            continue
        content_type = (header(request, "content-type") or "").split(";")[0].strip().lower()
        text = response.get("content", {}).get("text", "")
        try:
            body = json.loads(text)
        except ValueError:
            body = {}
        violations = [
            f"{v.get('name') or ''}: {v.get('message') or ''}"
            for v in (body.get("violations") or [] if isinstance(body, dict) else [])
            if isinstance(v, dict)
        ]
        rule = next((k for k in known if k.covers(content_type, violations)), None)
        if rule is not None:
            used.add(rule)
            continue
        detail = "; ".join(violations) or text[:300]
        unexplained.append(
            f"{request['method']} {request['url'][:200]} ({content_type or 'no body'}) "
            f"-> {status}: {detail[:500]}"
        )
    return unexplained, used


def header(entry_part: dict[str, Any], name: str) -> str | None:
    for item in entry_part.get("headers", []):
        if str(item.get("name", "")).lower() == name:
            return str(item.get("value"))
    return None


def not_problem_json(entries: Sequence[dict[str, Any]]) -> list[str]:
    """The 4xx answers in a HAR log that are not RFC 9457 problem documents, described."""
    wrong: list[str] = []
    for entry in entries:
        response = entry["response"]
        status = int(response["status"])
        if not 400 <= status < 500:
            continue
        request = entry["request"]
        where = f"{request['method']} {request['url']} -> {status}"
        content_type = header(response, "content-type") or ""
        if content_type.split(";")[0].strip().lower() != "application/problem+json":
            wrong.append(f"{where}: content-type {content_type!r}")
            continue
        text = response.get("content", {}).get("text", "")
        try:
            body = json.loads(text)
        except ValueError:
            wrong.append(f"{where}: body is not JSON: {text[:200]!r}")
            continue
        if not isinstance(body, dict) or body.get("status") != status or not body.get("title"):
            wrong.append(f"{where}: not a problem document with this status: {text[:200]!r}")
    return wrong
