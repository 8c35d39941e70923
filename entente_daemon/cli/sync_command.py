"""``entente sync``: the sync with the broker, for people and for CI.

With a daemon running it asks the daemon (it is the store's one writer and syncs on its
own): ``entente sync`` pushes and pulls now, ``--status`` prints the state. Without one
(CI), ``--once`` pushes the local store's outbox and pulls until the broker's feed has
nothing more. A broker that cannot be reached, or refuses the key, exits 2 with a sentence
naming the URL and the cause. ``entente sync login --url URL`` keeps the URL and key in the
Entente home (``broker.json``, 0600), never in the project.
"""

from __future__ import annotations

import asyncio
import json
import sys

import click

from entente_daemon.client import DaemonClient
from entente_daemon.client.wire import BrokerStatus
from entente_daemon.config import ProjectConfig, load_project_config
from entente_daemon.daemon.services.sync.once import SyncOnceFailed, state_of, sync_once
from entente_daemon.daemon.services.sync.settings import write_credentials
from entente_daemon.errors import ConfigError
from entente_daemon.home import entente_home, store_dir
from entente_daemon.store import Store


class SyncFailed(click.ClickException):
    exit_code = 2

    def show(self, file: object = None) -> None:
        click.secho(f"error: {self.message}", fg="red", err=True)


@click.group("sync", invoke_without_command=True)
@click.option("--once", is_flag=True, help="Without a daemon: push the outbox, pull once.")
@click.option("--status", "status_only", is_flag=True, help="Print the sync's state only.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def sync_group(ctx: click.Context, once: bool, status_only: bool, as_json: bool) -> None:
    """Sync this workstation's store with the team's broker."""
    if ctx.invoked_subcommand is not None:
        return
    client = DaemonClient.discover()
    if client is not None:
        with client:
            state = client.sync_state() if status_only else client.sync_now()
        _show(state, as_json, "the daemon")
        if state.last_error and not status_only:
            raise SyncFailed(state.last_error)
        return
    if status_only:
        _show(_local_status(), as_json, "the local store")
        return
    state = asyncio.run(_once())
    _show(state, as_json, "the local store")


@sync_group.command("login")
@click.option("--url", required=True, help="The broker's URL (https://broker.example).")
@click.option(
    "--key-stdin", is_flag=True, help="Read the API key from standard input (else a prompt)."
)
def login(url: str, key_stdin: bool) -> None:
    """Keep the broker's URL and API key for the daemon and `entente sync` (0600 file in
    the Entente home; never in entente.toml)."""
    key = sys.stdin.readline().strip() if key_stdin else click.prompt("API key", hide_input=True)
    if not key:
        raise click.UsageError("an API key is needed")
    path = write_credentials(entente_home(), url, key)
    click.echo(f"saved the broker's URL and key in {path} (readable by you only)")


def _project() -> ProjectConfig | None:
    try:
        return load_project_config()
    except ConfigError:
        return None  # no project here: pull everything


async def _once() -> BrokerStatus:
    try:
        done = await sync_once(entente_home(), _project())
    except SyncOnceFailed as exc:
        raise SyncFailed(str(exc)) from None
    except ConfigError as exc:
        raise SyncFailed(str(exc)) from None
    pushed, pulled = done.pushed, done.pulled
    click.echo(
        f"pushed {pushed.sent} record(s) ({pushed.duplicates} the broker had), "
        f"pulled {pulled.total} from {pulled.events} event(s)"
    )
    for line in pushed.rejected:
        click.secho(f"refused by the broker: {line}", fg="yellow", err=True)
    return done.state


def _local_status() -> BrokerStatus:
    with Store.open(store_dir(), readonly=True) as store:
        return state_of(store, store.outbox.state().url)


def _show(state: BrokerStatus, as_json: bool, source: str) -> None:
    if as_json:
        click.echo(json.dumps({"source": source, **state.model_dump(mode="json")}, indent=2))
        return
    for line in describe(state):
        click.echo(line)


def describe(state: BrokerStatus) -> list[str]:
    """The state in a few lines (also `entente-daemon status`'s broker part)."""
    lines = [f"broker: {state.state}" + (f" ({state.url})" if state.url else "")]
    if state.url is None and state.last_error is None:
        return lines
    kinds = ", ".join(f"{n} {k}" for k, n in state.queued_by_kind.items())
    lines.append(f"  queued:    {state.queued}" + (f" ({kinds})" if kinds else ""))
    lines.append(f"  pushed:    {state.pushed} (last {_when(state.last_push)})")
    lines.append(
        f"  pulled:    {state.pulled} (last {_when(state.last_pull)}, cursor {state.cursor})"
    )
    if state.dropped:
        lines.append(f"  dropped:   {state.dropped} (the outbox was full)")
    if state.last_error:
        lines.append(f"  error:     {state.last_error}")
    return lines


def _when(moment: object) -> str:
    return "never" if moment is None else str(moment)
