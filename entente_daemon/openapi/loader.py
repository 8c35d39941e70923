"""`load_spec`: read, bundle, index and validate a spec.

The steps, each reporting problems with file and line:

1. read the root file (YAML or JSON) with its line map (`source`);
2. find the version: ``openapi: 3.0.x`` / ``3.1.x`` or ``swagger: "2.0"``;
3. bundle the files it refers to into one document with internal refs only (`bundle`),
   reading no file outside the spec's folder tree and the allowed folders (`refroots`);
4. build the operation index (`index`) and compile the matcher (`matcher`);
5. run openapi-spec-validator and turn what it says into warnings (`validate`).

Steps 1-4 raise `SpecError` when the spec cannot be served; step 5 never does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from entente_daemon.openapi.bundle import Bundler
from entente_daemon.openapi.errors import SpecWarning, kind_of
from entente_daemon.openapi.index import build_index
from entente_daemon.openapi.locate import Locator
from entente_daemon.openapi.matcher import Matcher
from entente_daemon.openapi.model import OpenAPIVersion
from entente_daemon.openapi.refs import DocumentRefs
from entente_daemon.openapi.source import SourceFile, parse_source, read_source
from entente_daemon.openapi.spec import Spec

SUPPORTED = "OpenAPI 3.0, OpenAPI 3.1 and Swagger 2.0"
_OPENAPI_3 = re.compile(r"^3\.(0|1)(\.\d+)?(-[\w.]+)?$")


def load_spec(
    path: str | os.PathLike[str],
    *,
    validate: bool = True,
    ref_roots: Iterable[str | os.PathLike[str]] = (),
) -> Spec:
    """Load the spec at ``path`` and the files it refers to.

    Raises `SpecError` (file, line, column, what is wrong) when it cannot be used.
    ``validate=False`` skips openapi-spec-validator, the slowest step (about half the
    time); a caller can run it later, e.g. in a worker thread, with
    `Spec.validation_warnings`. ``$ref``s may read files in the spec's own folder tree and
    in the folders of ``ref_roots`` (a project's `ProjectConfig.spec_ref_roots`), no others.
    """
    root = read_source(Path(os.path.normpath(Path(path).absolute())))
    return _load(root, read_files=True, validate=validate, root_is_file=True, ref_roots=ref_roots)


def load_spec_text(
    text: str,
    name: str = "openapi.yaml",
    *,
    base_dir: str | os.PathLike[str] | None = None,
    validate: bool = True,
    ref_roots: Iterable[str | os.PathLike[str]] = (),
) -> Spec:
    """Load a spec from text. ``name`` is used in messages and decides JSON (``*.json``) or
    YAML. Refs to other files are resolved relative to ``base_dir`` (and may read files in
    its tree and in ``ref_roots``); without it a spec given as text must be
    self-contained."""
    base = Path(base_dir).absolute() if base_dir is not None else Path.cwd()
    root = parse_source(text, Path(os.path.normpath(base / name)))
    return _load(
        root,
        read_files=base_dir is not None,
        validate=validate,
        root_is_file=False,
        ref_roots=ref_roots,
    )


def _load(
    root: SourceFile,
    *,
    read_files: bool,
    validate: bool,
    root_is_file: bool,
    ref_roots: Iterable[str | os.PathLike[str]],
) -> Spec:
    version, declared, version_warnings = detect_version(root)
    roots = [Path(folder).absolute() for folder in ref_roots]
    bundle = Bundler(root, version, read_files=read_files, ref_roots=roots).bundle()
    document = bundle.document
    locator = Locator(document, bundle.provenance, root)
    refs = DocumentRefs(document, version, locator)
    index = build_index(document, version, refs, locator)
    matcher = Matcher(index.operations)

    warnings: list[SpecWarning] = [*version_warnings, *bundle.warnings, *index.warnings]
    for conflict in matcher.conflicts:
        shadowed, winner = conflict.shadowed, conflict.winner
        warnings.append(
            locator.warning(
                f"{shadowed.method} {shadowed.path} can never be matched: "
                f"{winner.method} {winner.path} matches the same requests",
                shadowed.pointer,
                "index",
            )
        )
    files = tuple(bundle.files) if root_is_file else tuple(bundle.files[1:])
    spec = Spec(
        document=document,
        openapi_version=version,
        declared_version=declared,
        operations=index.operations,
        servers=index.servers,
        warnings=tuple(warnings),
        files=files,
        root=root.path,
        matcher=matcher,
        refs=refs,
        locator=locator,
    )
    if validate:
        spec.warnings += tuple(spec.validation_warnings())
    return spec


def detect_version(root: SourceFile) -> tuple[OpenAPIVersion, str, list[SpecWarning]]:
    """("3.0" | "3.1" | "2.0", the version as written, warnings). Raises `SpecError` for a
    document that is not OpenAPI/Swagger, or a version Entente does not read."""
    data = root.data
    if not isinstance(data, dict):
        raise root.error(
            f"not an OpenAPI document: the top level is {kind_of(data)}, not a mapping with "
            "'openapi', 'info' and 'paths'"
        )
    warnings: list[SpecWarning] = []
    key = "openapi" if "openapi" in data else "swagger" if "swagger" in data else None
    if key is None:
        hint = " (add e.g. 'openapi: 3.0.3' at the top)" if "paths" in data else ""
        raise root.error(
            f"not an OpenAPI or Swagger document: there is no 'openapi' (or 'swagger') "
            f"key at the top level{hint}"
        )
    raw = data[key]
    declared = str(raw)
    if not isinstance(raw, str):
        warnings.append(
            root.warning(f'{key} should be a string: write {key}: "{declared}" (quoted)', f"/{key}")
        )
    if key == "openapi":
        match = _OPENAPI_3.match(declared)
        if match:
            version: OpenAPIVersion = "3.0" if match.group(1) == "0" else "3.1"
            return version, declared, warnings
    elif declared in ("2.0", "2"):
        return "2.0", declared, warnings
    raise root.error(
        f"unsupported {key} version {declared!r}: Entente reads {SUPPORTED}", f"/{key}"
    )
