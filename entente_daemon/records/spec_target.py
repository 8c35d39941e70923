"""The spec a `SpecTarget` names, read when fixtures are checked without a daemon (the
daemon reads it itself)."""

from __future__ import annotations

import json
from pathlib import Path

from entente_daemon.config import spec_ref_roots_near
from entente_daemon.openapi import Spec, load_spec, load_spec_text

from .errors import NoSpecError
from .port import SpecTarget


def load_target(
    provider: str, target: SpecTarget, store_path: Path | str | None = None
) -> tuple[Spec, str, str]:
    """The spec ``target`` names, where it was read from, and its version."""
    from .store import StoreRecords

    if target.path is not None:
        roots = spec_ref_roots_near(target.path)  # as the project's mocks read it
        spec = load_spec(target.path, validate=False, ref_roots=roots)
        return spec, str(target.path.resolve()), spec.version
    published = StoreRecords(store_path)
    if target.version is None:
        found = published.latest_spec(provider)
    else:
        found = published.spec_version(provider, target.version)
    if found is None:
        which = f"version {target.version} of {provider}" if target.version else provider
        raise NoSpecError(
            f"no spec of {which} is published to the local store; give a spec file (--spec)"
        )
    name = f"{found.service}@{found.version}"
    spec = load_spec_text(json.dumps(found.spec), f"{name}.json", validate=False)
    return spec, f"{name} (published)", found.version
