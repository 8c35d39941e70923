"""``entente-daemon``: run and manage the per-user background daemon."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from entente_daemon import __version__
from entente_daemon.cli.runner import run_cli
from entente_daemon.client import DaemonClient, DaemonStatus, RunPaths
from entente_daemon.home import entente_home, store_dir

if TYPE_CHECKING:
    from entente_daemon.client.lifecycle import StartResult


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="entente-daemon")
def cli() -> None:
    """The Entente daemon: one per user, serving mocks and recording for every project."""


@cli.command("home")
def home() -> None:
    """Print where the daemon keeps its state (ENTENTE_HOME, else the user data folder)."""
    click.echo(f"home:  {entente_home()}")
    click.echo(f"store: {store_dir()}")


@cli.command("run")
@click.option("--tcp", is_flag=True, help="Also listen on 127.0.0.1 (random port, token).")
@click.option("--heartbeat", type=float, default=None, hidden=True)
@click.option("--queue-size", type=int, default=None, hidden=True)
def run(tcp: bool, heartbeat: float | None, queue_size: int | None) -> None:
    """Run the daemon in the foreground until SIGTERM or Ctrl-C."""
    from entente_daemon.daemon.process.main import run_daemon
    from entente_daemon.daemon.process.settings import DaemonSettings

    settings = DaemonSettings(tcp=tcp)
    overrides: dict[str, float | int] = {}
    if heartbeat is not None:
        overrides["heartbeat"] = heartbeat
    if queue_size is not None:
        overrides["queue_size"] = queue_size
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    sys.exit(run_daemon(settings))


@cli.command("start")
@click.option("--tcp", is_flag=True, help="Also listen on 127.0.0.1 (random port, token).")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="Seconds to wait.")
@click.option("--no-attach", is_flag=True, help="Do not attach the project of the current folder.")
def start(tcp: bool, timeout: float, no_attach: bool) -> None:
    """Start the daemon in the background (or find the one running), and attach the project
    of the current folder, if any (as `entente-tui` does): the daemon serves its mocks."""
    from entente_daemon.client.lifecycle import start_daemon

    result = start_daemon(tcp=tcp, timeout=timeout)
    _say_started(result, tcp)
    if not no_attach:
        _attach_here()


def _say_started(result: StartResult, tcp: bool) -> None:
    info = result.info
    if result.cleaned_stale:
        click.echo("removed the files of a daemon that had died")
    if not result.started:
        click.echo(f"the Entente daemon is already running (pid {info.pid}, socket {info.socket})")
        if tcp and info.tcp_port is None:
            click.secho(
                "warning: it does not listen on TCP; restart it with `entente-daemon stop && "
                "entente-daemon start --tcp`",
                fg="yellow",
                err=True,
            )
        if info.version != __version__:
            click.secho(
                f"warning: it is version {info.version}, this is {__version__}; restart it with "
                "`entente-daemon stop && entente-daemon start`",
                fg="yellow",
                err=True,
            )
        return
    extra = f", http://127.0.0.1:{info.tcp_port}" if info.tcp_port else ""
    click.echo(
        f"started the Entente daemon {info.version} (pid {info.pid}, socket {info.socket}{extra}) "
        f"in {result.seconds:.1f}s"
    )


def _attach_here() -> None:
    """Attach the project at or above the current folder (nothing when there is none) and
    say so, with the mocks the daemon now serves for it."""
    from entente_daemon.config import find_config
    from entente_daemon.errors import ConfigError

    try:
        config = find_config()
    except ConfigError:
        return  # not inside a project
    try:
        with DaemonClient.connect() as client:
            project = client.attach_project(config)
            mocks = [m for m in client.mocks() if m.project == project.config]
    except Exception as exc:  # the daemon runs; the project is the problem
        click.secho(f"warning: did not attach the project {config}: {exc}", fg="yellow", err=True)
        return
    click.echo(f"attached the project {project.service} ({project.config})")
    for mock in mocks:
        where = mock.url or f"not serving: {mock.error}"
        click.echo(f"  mock of {mock.provider}: {where}")


@cli.command("stop")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="Seconds to wait.")
@click.option("--force", is_flag=True, help="SIGKILL the daemon if it does not stop in time.")
def stop(timeout: float, force: bool) -> None:
    """Stop the daemon gracefully (SIGTERM; its store is flushed and closed)."""
    from entente_daemon.client.lifecycle import stop_daemon

    result = stop_daemon(timeout=timeout, force=force)
    if result.pid is None:
        suffix = " (removed the files of one that had died)" if result.cleaned_stale else ""
        click.echo(f"no Entente daemon is running{suffix}")
        return
    how = "killed" if result.forced else "stopped"
    click.echo(f"{how} the Entente daemon (pid {result.pid}) in {result.seconds:.1f}s")


def _uptime(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours or days else []
    parts += [f"{minutes}m"] if minutes or hours or days else []
    return " ".join([*parts, f"{secs}s"])


def _print_status(status: DaemonStatus) -> None:
    up = _uptime(status.uptime_s)
    click.echo(f"Entente daemon {status.version}: running (pid {status.pid}, up {up})")
    click.echo(f"  socket:   {status.socket}")
    if status.tcp_port:
        click.echo(f"  tcp:      http://127.0.0.1:{status.tcp_port} (token in run/token)")
    records = ", ".join(f"{name} {count}" for name, count in status.store.records.items())
    click.echo(f"  store:    {status.store.path}: {records}")
    if status.store.error:
        click.secho(f"  store error: {status.store.error}", fg="red")
    broker = status.broker
    where = f" ({broker.url})" if broker.url else ""
    synced = (
        f", {broker.queued} queued, last push {broker.last_push or 'never'}, "
        f"last pull {broker.last_pull or 'never'}"
        if broker.url
        else ""
    )
    click.echo(f"  broker:   {broker.state}{where}{synced}")
    if broker.last_error:
        click.secho(f"  sync error: {broker.last_error}", fg="red")
    projects = ", ".join(f"{p.service} ({p.config})" for p in status.projects) or "none"
    click.echo(f"  projects: {projects}")
    if not status.mocks:
        click.echo("  mocks:    none")
    for mock in status.mocks:
        who = f"{mock.consumer} → " if mock.consumer else ""
        version = f" {mock.version}" if mock.version else ""
        line = f"  mock:     {who}{mock.provider}{version} at {mock.url} ({mock.state})"
        click.echo(line + (f": {mock.error}" if mock.error else ""))
    click.echo(f"  watching: {len(status.watching)} file(s)")
    for file in status.watching:
        click.echo(f"            {file}")
    click.echo(f"  events:   last {status.last_event_seq}, {status.subscribers} subscriber(s)")


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Show whether the daemon runs, and what it holds. Exits 3 when it does not run."""
    client = DaemonClient.discover()
    if client is None:
        if as_json:
            click.echo(json.dumps({"running": False}))
        else:
            click.echo(f"no Entente daemon is running (home {entente_home()})")
        sys.exit(3)
    with client:
        result = client.status()
    if as_json:
        click.echo(json.dumps({"running": True, **result.model_dump(mode="json")}, indent=2))
    else:
        _print_status(result)


@cli.command("logs")
@click.option("-n", "--lines", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines (Ctrl-C stops).")
def logs(lines: int, follow: bool) -> None:
    """Print the end of the daemon's log (daemon.log in the Entente home)."""
    from entente_daemon.client.logs import follow as follow_log
    from entente_daemon.client.logs import tail

    file = RunPaths.for_home().log
    if not file.exists() and not follow:
        click.echo(f"no log yet ({file})", err=True)
        return
    for line in tail(file, lines):
        click.echo(line)
    if follow:
        try:
            for line in follow_log(file):
                click.echo(line)
        except KeyboardInterrupt:
            return


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``entente-daemon``; errors a user can act on are one line, not a traceback."""
    run_cli(cli, argv)


if __name__ == "__main__":
    main()
