"""``entente config``: show the project's resolved configuration."""

from __future__ import annotations

import json
from pathlib import Path

import click

from entente_daemon.config import load_project_config
from entente_daemon.home import entente_home


@click.group("config")
def config_group() -> None:
    """The project configuration (entente.toml or [tool.entente] in pyproject.toml)."""


@config_group.command("show")
@click.option(
    "--project",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Project folder or config file (default: search from the current folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show(project: Path | None, as_json: bool) -> None:
    """Print the configuration with defaults filled in and paths resolved."""
    config = load_project_config(project)
    data = {
        "file": str(config.file),
        "service": config.service,
        "version": config.version,
        "version_source": config.version_source,
        "role": config.role.value,
        "environment": config.environment,
        "providers": [
            {
                "name": p.name,
                "version": p.version,
                "spec": str(p.spec_path) if p.spec_path else "from broker",
                "port": p.port,
            }
            for p in config.providers
        ],
        "provides": (
            {
                "name": config.provided_name,
                "spec": str(config.provided_spec),
                "base_url": config.provided_base_url,
                "state_handlers": config.provided_state_handlers,
                "on_missing": config.provided_on_missing or "fail",
            }
            if config.provided_spec
            else None
        ),
        "broker": {
            "url": config.broker.url,
            "api_key": "set" if config.broker.api_key else "not set",
        },
        "home": str(entente_home()),
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{config.service} {config.version} ({config.role.value}) from {config.file}")
    click.echo(f"  environment: {config.environment}")
    for provider in config.providers:
        spec = provider.spec_path or "from broker"
        port = provider.port or "auto"
        click.echo(f"  consumes {provider.name} {provider.version}: {spec} (port {port})")
    if config.provided_spec:
        click.echo(f"  provides {config.provided_name}: {config.provided_spec}")
        # [provider]: the defaults of `entente verify`
        base_url = config.provided_base_url or "not set (entente verify needs --base-url)"
        click.echo(f"    base URL: {base_url}")
        click.echo(f"    state handlers: {config.provided_state_handlers or 'none'}")
        on_missing = config.provided_on_missing or "fail (the default)"
        click.echo(f"    on missing handler: {on_missing}")
    broker = config.broker.url or "none (local store only)"
    key = "set" if config.broker.api_key else "not set"
    click.echo(f"  broker: {broker}, API key {key}")
    click.echo(f"  Entente home: {entente_home()}")
