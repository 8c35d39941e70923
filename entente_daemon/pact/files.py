"""The pact package's thin I/O: which recordings an export holds, pact files found and read
from disk, imported interactions stored, through the records port (`open_records`: the
daemon's when it runs, else the local store's). The conversions are pure (`writing`,
`reading`, `recorded`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entente_daemon.errors import EntenteError
from entente_daemon.model import Interaction, content_hash
from entente_daemon.openapi import Spec, load_spec, load_spec_text
from entente_daemon.pact.reading import PactFile, PactFileError, parse_pact_text
from entente_daemon.pact.recorded import as_interactions, run_id_of
from entente_daemon.pact.writing import PactSpec, pact_document
from entente_daemon.records import Records
from entente_daemon.records.contracts import contract_interactions, seen_at

#: The largest pact file read (a pact is a few MB at most; this bounds a mistake).
MAX_PACT_BYTES = 64 * 1024 * 1024


class PactExportError(EntenteError):
    """Nothing to export, or no such consumer version; the message says what there is."""


# -- export -------------------------------------------------------------------------------


def contract_for(
    interactions: Iterable[Interaction], consumer: str, consumer_version: str | None
) -> tuple[str, list[Interaction]]:
    """The consumer version exported (the given one, else the one recorded last) and its
    contract, one interaction per content hash, oldest first."""
    mine = [i for i in interactions if i.consumer == consumer]
    contract = contract_interactions(mine)
    if not contract:
        raise PactExportError(f"no contract interactions of {consumer!r} are recorded")
    versions = sorted({i.consumer_version for i in contract})
    if consumer_version is None:
        consumer_version = max(contract, key=seen_at).consumer_version
    elif consumer_version not in versions:
        raise PactExportError(
            f"{consumer!r} has no contract at version {consumer_version!r} "
            f"(recorded versions: {', '.join(versions)})"
        )
    chosen = sorted(
        (i for i in contract if i.consumer_version == consumer_version), key=lambda i: i.timestamp
    )
    seen: set[str] = set()
    unique: list[Interaction] = []
    for interaction in chosen:
        key = interaction.content_hash or interaction.compute_hash()
        if key not in seen:
            seen.add(key)
            unique.append(interaction)
    return consumer_version, unique


def provider_spec(records: Records, provider: str, path: Path | None) -> Spec | None:
    """The provider's spec: the file given, else its newest published version, else None."""
    if path is not None:
        return load_spec(path, validate=False)
    published = records.latest_spec(provider)
    if published is None:
        return None
    name = f"{published.service}@{published.version}.json"
    return load_spec_text(json.dumps(published.spec), name, validate=False)


@dataclass(frozen=True)
class Exported:
    path: Path
    consumer_version: str
    interactions: int
    document: dict[str, Any]


def export_pact(
    records: Records,
    *,
    consumer: str,
    provider: str,
    out_dir: Path,
    consumer_version: str | None = None,
    specification: PactSpec = "V4",
    spec_path: Path | None = None,
) -> Exported:
    """Write ``<consumer>-<provider>.json`` in ``out_dir`` (see `writing`)."""
    version, chosen = contract_for(
        records.provider_interactions(provider), consumer, consumer_version
    )
    spec = provider_spec(records, provider, spec_path)
    document = pact_document(
        chosen,
        consumer=consumer,
        provider=provider,
        spec=spec,
        specification=specification,
        consumer_version=version,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{consumer}-{provider}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Exported(path, version, len(chosen), document)


# -- import -------------------------------------------------------------------------------


@dataclass
class FileImport:
    """One file's import: what it held and what became of it."""

    path: Path
    consumer: str = ""
    provider: str = ""
    specification: str = ""
    imported: int = 0
    matched: int = 0  # matched to an operation of the provider's spec
    unsupported: Counter[str] = field(default_factory=Counter)
    error: str | None = None


def pact_paths(given: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The pact files named (a folder: its ``*.json``, sorted) and what could not be found."""
    found: list[Path] = []
    missing: list[str] = []
    for path in given:
        if path.is_dir():
            inside = sorted(p for p in path.glob("*.json") if p.is_file())
            if not inside:
                missing.append(f"{path}: a folder with no .json pact files")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    return found, missing


def read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_PACT_BYTES:
        raise PactFileError(f"{path}: {size} bytes; a pact file is at most {MAX_PACT_BYTES}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PactFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def import_pacts(
    records: Records,
    paths: Sequence[Path],
    *,
    consumer_version: str = "0.0.0",
    provider_version: str | None = None,
    spec_path: Path | None = None,
) -> list[FileImport]:
    """Import each file on its own: one that cannot be read is reported (``error``) and
    stores nothing; the others are stored. One import is one test run of each consumer
    (`run_id_for`), as a consumer's test run records with all its providers at once."""
    files, missing = pact_paths(paths)
    reports = [FileImport(Path(m.split(": ", 1)[0]), error=m) for m in missing]
    read: list[tuple[FileImport, PactFile]] = []
    for path in files:
        report = FileImport(path)
        reports.append(report)
        try:
            pact = parse_pact_text(read_text(path), str(path))
        except (PactFileError, OSError) as exc:
            report.error = str(exc)
            continue
        report.consumer, report.provider = pact.consumer, pact.provider
        report.specification = pact.specification
        report.unsupported = pact.unsupported
        read.append((report, pact))
    runs = run_ids_for([pact for _, pact in read])
    specs: dict[str, Spec | None] = {}
    for report, pact in read:
        if pact.provider not in specs:
            specs[pact.provider] = provider_spec(records, pact.provider, spec_path)
        interactions = as_interactions(
            pact,
            consumer_version=consumer_version,
            provider_version=provider_version,
            spec=specs[pact.provider],
            run_id=runs[pact.consumer],
        )
        if interactions:
            records.add_interactions(interactions)
        report.imported = len(interactions)
        report.matched = sum(1 for i in interactions if i.operation_id)
    return reports


def run_ids_for(pacts: Sequence[PactFile]) -> dict[str, str]:
    """Each consumer's run id for one import: from its files' digests, so the same files
    imported again make the same run (and change nothing)."""
    by_consumer: dict[str, list[str]] = {}
    for pact in pacts:
        by_consumer.setdefault(pact.consumer, []).append(run_id_of(pact))
    return {
        consumer: "pact-" + content_hash(sorted(ids))[:16] if len(ids) > 1 else ids[0]
        for consumer, ids in by_consumer.items()
    }
