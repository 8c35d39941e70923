"""Why `entente_daemon.openapi.bundle` bundles refs itself instead of using prance's resolver.

These tests pin down what prance's ``RefResolver(resolve_types=RESOLVE_FILES,
resolve_method=TRANSLATE_EXTERNAL)`` does with ``tests/specs/multifile``. If a prance upgrade
makes one fail, prance may have become usable for bundling: reconsider.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.openapi.conftest import SPECS, all_refs

ROOT = SPECS / "multifile" / "openapi.yaml"


def prance_translate_external(**options: Any) -> dict[str, Any]:
    from prance.util.resolver import RESOLVE_FILES, TRANSLATE_EXTERNAL, RefResolver
    from prance.util.url import absurl

    from entente_daemon.openapi.source import read_source

    resolver = RefResolver(
        read_source(ROOT).data,
        absurl(str(ROOT)),
        resolve_types=RESOLVE_FILES,
        resolve_method=TRANSLATE_EXTERNAL,
        **options,
    )
    resolver.resolve_references()
    specs: dict[str, Any] = resolver.specs
    return specs


def test_prance_raises_on_recursion_across_files() -> None:
    from prance.util.url import ResolutionError

    with pytest.raises(ResolutionError, match="Recursion reached limit"):
        prance_translate_external()


def test_prance_bundle_is_not_usable() -> None:
    from prance.util.resolver import keep_ref_on_recursion

    specs = prance_translate_external(recursion_limit_handler=keep_ref_on_recursion)
    schemas = specs["components"]["schemas"]
    # every target in castle.yaml (Castle, CastleCreate, Region) and the path item in
    # paths/castle.yaml get the same name, so all but one are lost
    assert "castle.yaml_" in schemas
    assert not {"Castle", "CastleCreate", "Region"} & set(schemas)
    # path items are filed as schemas
    assert specs["paths"]["/castles"] == {"$ref": "#/components/schemas/castles.yaml_"}
    # and refs that do not resolve in the bundle remain
    refs = set(all_refs(specs))
    unresolvable = {r for r in refs if not r.startswith("#/components/")}
    assert unresolvable, refs


def test_entente_bundle_of_the_same_spec() -> None:
    from entente_daemon.openapi import load_spec

    spec = load_spec(ROOT)
    assert {"Castle", "CastleCreate", "Region", "Dragon"} <= set(
        spec.document["components"]["schemas"]
    )
    assert "get" in spec.document["paths"]["/castles"]
    assert all(r.startswith("#/components/") for r in all_refs(spec.document))
