"""The public Python API has one documented import path, the package root
(``from entente_daemon import create_client, create_provider``), that stays light to import
and that type checkers see (``__init__.pyi``)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import entente_daemon

ROOT = Path(__file__).resolve().parents[1]
STUB = ROOT / "entente_daemon" / "__init__.pyi"
README = ROOT / "README.md"


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_documented_import_works() -> None:
    done = python(
        "from entente_daemon import create_client, create_provider\n"
        "from entente_daemon.consumer.client import create_client as c\n"
        "from entente_daemon.verify.provider import create_provider as p\n"
        "assert (create_client, create_provider) == (c, p)\n"
        "print('ok')"
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_every_public_name_resolves_to_its_definition() -> None:
    for name in entente_daemon.__all__:
        value = getattr(entente_daemon, name)
        if name != "__version__":
            assert value.__name__ == name
            assert value.__module__.startswith("entente_daemon.")
    assert set(entente_daemon.__all__) <= set(dir(entente_daemon))
    assert "create_client" in entente_daemon.__all__
    assert "create_provider" in entente_daemon.__all__


def test_an_unknown_name_is_an_attribute_error() -> None:
    done = python("from entente_daemon import create_clinet")
    assert done.returncode == 1
    assert "cannot import name 'create_clinet' from 'entente_daemon'" in done.stderr


def test_the_stub_names_what_the_package_exports() -> None:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    [declared] = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    ]
    assert set(declared) == set(entente_daemon.__all__)
    assert imported == set(entente_daemon.__all__) - {"__version__"}


def test_importing_the_package_loads_nothing_else() -> None:
    done = python("import json, sys, entente_daemon; print(json.dumps(sorted(sys.modules)))")
    loaded = set(json.loads(done.stdout))
    ours = {m for m in loaded if m.startswith("entente_daemon")}
    assert ours == {"entente_daemon"}
    assert not loaded & {"pydantic", "httpx", "click", "typing_extensions"}
    version = python("from entente_daemon import __version__; print(__version__)")
    assert version.stdout.strip() == entente_daemon.__version__


def test_the_readme_shows_the_import() -> None:
    text = README.read_text(encoding="utf-8")
    assert "from entente_daemon import create_client" in text
    assert "from entente_daemon import create_provider" in text
