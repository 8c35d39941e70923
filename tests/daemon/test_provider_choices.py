"""The provider projects the daemon offers to verify (``GET /v1/verify/providers``): the
attached project when it provides a spec, the daemon's projects providing what it consumes, a
provider project next to a consumed spec, then the daemon's other provider projects; each
once, with its ``[provider]`` base URL and state handlers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from entente_daemon.client.wire import ProjectInfo, ProviderChoice
from entente_daemon.config import load_project_config
from entente_daemon.daemon.services.errors import Invalid
from entente_daemon.daemon.services.projects import AttachedProject
from entente_daemon.daemon.services.provider_choices import provider_choices
from entente_daemon.model import utc_now

from .castle_project import EXAMPLES, castle_project
from .conftest import Daemon


def project(folder: Path, service: str, *, provides: bool, consumes: dict[str, str]) -> Path:
    """An entente.toml in ``folder``: ``consumes`` maps a provider to its spec (relative to
    ``folder``, or "from broker"); a provider project serves at a URL named after it."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'service = "{service}"', 'version = "1.0.0"']
    for name, spec in consumes.items():
        lines += ["", "[[providers]]", f'name = "{name}"', f'spec = "{spec}"']
    if provides:
        shutil.copyfile(EXAMPLES / "castle-service" / "openapi.yaml", folder / "openapi.yaml")
        lines += ["", "[provider]", 'spec = "openapi.yaml"', f'base_url = "http://{service}:80"']
        lines.append(f'state_handlers = "{service.replace("-", "_")}.states:HANDLERS"')
    config = folder / "entente.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def attached(config: Path) -> ProjectInfo:
    """The project as the daemon lists it once attached."""
    return AttachedProject(load_project_config(config), utc_now()).info()


def offered(config: Path) -> ProviderChoice:
    service = config.parent.name
    return ProviderChoice(
        folder=str(config.parent),
        service=service,
        base_url=f"http://{service}:80",
        state_handlers=f"{service.replace('-', '_')}.states:HANDLERS",
    )


@pytest.fixture
def landscape(tmp_path: Path) -> dict[str, Path]:
    """A gateway providing its API and consuming orders (from the broker) and the castle
    service (its spec in ../castle-service, a provider project the daemon does not know);
    billing and orders providers; a consumer-only shop."""
    castle = project(tmp_path / "castle-service", "castle-service", provides=True, consumes={})
    gateway = project(
        tmp_path / "gateway",
        "gateway",
        provides=True,
        consumes={"orders": "from broker", "castle-service": "../castle-service/openapi.yaml"},
    )
    return {
        "castle": castle,
        "gateway": gateway,
        "billing": project(tmp_path / "billing", "billing", provides=True, consumes={}),
        "orders": project(tmp_path / "orders", "orders", provides=True, consumes={}),
        "shop": project(
            tmp_path / "shop", "shop", provides=False, consumes={"orders": "from broker"}
        ),
    }


@pytest.mark.parametrize("known", [True, False], ids=["attached-to-the-daemon", "not-attached"])
def test_the_attached_project_then_what_it_consumes_then_the_other_providers(
    landscape: dict[str, Path], known: bool
) -> None:
    names = ["billing", "orders", "shop"] + (["gateway"] if known else [])
    projects = [attached(landscape[name]) for name in names]
    choices = provider_choices(landscape["gateway"], projects)
    expected = ["gateway", "orders", "castle", "billing"]
    assert choices == [offered(landscape[name]) for name in expected]


def test_without_an_attached_project_the_daemon_provider_projects(
    landscape: dict[str, Path],
) -> None:
    projects = [attached(landscape[name]) for name in ("shop", "orders", "gateway", "billing")]
    choices = provider_choices(None, projects)
    assert choices == [offered(landscape[name]) for name in ("orders", "gateway", "billing")]


def test_configs_gone_or_broken_are_left_out(landscape: dict[str, Path], tmp_path: Path) -> None:
    projects = [attached(landscape[name]) for name in ("orders", "billing")]
    landscape["orders"].unlink()
    landscape["billing"].write_text("service = \n", encoding="utf-8")
    assert provider_choices(tmp_path / "nowhere" / "entente.toml", projects) == []
    assert provider_choices(landscape["gateway"], projects) == [
        offered(landscape["gateway"]),
        offered(landscape["castle"]),
    ]


def test_a_relative_project_is_refused() -> None:
    with pytest.raises(Invalid, match="must be absolute"):
        provider_choices(Path("gateway/entente.toml"), [])


def test_the_daemon_offers_the_castle_service_next_to_the_client_spec(
    daemon: Daemon, tmp_path: Path
) -> None:
    """The castle client consumes ``../castle-service/openapi.yaml``; the provider project
    there is offered with its settings, though the daemon never attached it."""
    daemon.start()
    castle = castle_project(tmp_path)
    (castle.spec.parent / "entente.toml").write_text(
        'service = "castle-service"\nversion = "2.0.0"\n\n[provider]\nspec = "openapi.yaml"\n'
        'base_url = "http://127.0.0.1:8000"\nstate_handlers = "castle_service.states:HANDLERS"\n',
        encoding="utf-8",
    )
    with daemon.client() as client:
        client.attach_project(castle.config)
        assert client.provider_choices(castle.config) == [
            ProviderChoice(
                folder=str(castle.spec.parent),
                service="castle-service",
                base_url="http://127.0.0.1:8000",
                state_handlers="castle_service.states:HANDLERS",
            )
        ]
        assert client.provider_choices() == []  # the castle client provides nothing
    with daemon.http() as http:
        answer = http.get("/v1/verify/providers", params={"project": "castle/entente.toml"})
    assert answer.status_code == 400
    assert "the path must be absolute" in answer.json()["error"]
