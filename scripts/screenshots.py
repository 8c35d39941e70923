"""Screenshots of the TUI from a scripted run of the castle example, saved as SVG:

    python scripts/screenshots.py [--out screenshots] [--size 140x40]

Everything is real: in a temporary Entente home a daemon starts and attaches a copy of the
castle client project; the castle client's own tests run (pytest, through the daemon's
mock) to record traffic; the castle service runs (``python -m castle_service``) and is
verified twice with ``entente verify``: the good build, which proposes draft fixtures, and
a build that changed a field's type (``--variant type-changed``), which fails. One draft is
approved and one rejected. The client and the good build are recorded as deployed to
production, the failing build to staging (``entente deploy-service``). Then the app
(headless, under Pilot) shows each screen and the main modals while the spec is broken and
fixed under it (an error and a reload on the Alerts screen), then ``region`` taken out of
it and put back (a breaking change naming castle-client, its detail), and each view is saved as
``<out>/<view>.svg``.

The copy lives in a temporary folder: what the TUI is told is rewritten so that it reads
``/home/you/castle-demo`` and the mock's port 4001 (`tests.tui.scene.NeutralTransport`), so
no machine path ends up in the pictures. Times are the real ones.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' helpers, when run as `python scripts/...`

import httpx  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from entente_daemon.client import aio  # noqa: E402
from entente_daemon.client.lifecycle import start_daemon  # noqa: E402
from entente_daemon.model import FixtureStatus  # noqa: E402
from entente_tui.app import EntenteApp  # noqa: E402
from entente_tui.screens.alert_detail import AlertDetailScreen  # noqa: E402
from entente_tui.screens.alerts import AlertsScreen  # noqa: E402
from entente_tui.screens.breaking_detail import BreakingDetailScreen  # noqa: E402
from entente_tui.screens.deploy import DeployScreen  # noqa: E402
from entente_tui.screens.fixture_detail import FixtureDetailScreen  # noqa: E402
from entente_tui.screens.help import HelpScreen  # noqa: E402
from entente_tui.screens.interactions import InteractionsScreen  # noqa: E402
from entente_tui.screens.reject_note import RejectNoteScreen  # noqa: E402
from entente_tui.screens.start_verification import StartVerificationScreen  # noqa: E402
from entente_tui.widgets.alert_table import AlertTable  # noqa: E402
from tests.daemon.castle_project import (  # noqa: E402
    castle_project,
    free_port,
)
from tests.daemon.test_breaking import without_region  # noqa: E402
from tests.tui.alerts_helpers import alert_rows  # noqa: E402
from tests.tui.scene import (  # noqa: E402
    Scene,
    break_and_fix_spec,
    neutral_client_factory,
    wait_serving,
)
from tests.tui.settle import rows_in, settle, show, until  # noqa: E402

SERVICE_EXAMPLE = ROOT / "examples" / "castle-service"
PROCESS_TIMEOUT = 120
#: What runs where, recorded with ``entente deploy-service``: production runs the client and
#: the good service build; staging runs the build that failed the client's contract.
DEPLOYMENTS = (
    ("castle-client", "1.0.0", "production"),
    ("castle-service", "1.0.0", "production"),
    ("castle-service", "1.1.0", "staging"),
)


def run(command: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        check=False,
    )
    if done.returncode not in ok:
        raise RuntimeError(
            f"{' '.join(command)} (in {cwd}) exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return done.stdout


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CI"))}
    env.pop("PYTHONPATH", None)
    env["ENTENTE_HOME"] = str(home)
    return env


@contextmanager
def castle_service(folder: Path, env: dict[str, str], variant: str | None) -> Iterator[str]:
    """``python -m castle_service`` on a free port (a broken ``variant`` of it); its URL."""
    port = free_port()
    extra = ["--variant", variant] if variant else []
    process = subprocess.Popen(
        [sys.executable, "-m", "castle_service", "--port", str(port), *extra],
        cwd=folder,
        env={**env, "PYTHONPATH": str(folder)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_answering(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(500):
        try:
            httpx.get(f"{url}/castles", timeout=1.0)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError("castle-service exited at start") from None
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)  # the pause between attempts
    raise RuntimeError(f"castle-service does not answer at {url}")


def provider_project(scene: Scene) -> Path:
    """The castle service next to the client copy, as in the example: its code, its
    entente.toml, and the spec the client's mock serves (the same file)."""
    folder = scene.castle.spec.parent
    shutil.copytree(
        SERVICE_EXAMPLE / "castle_service",
        folder / "castle_service",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copyfile(SERVICE_EXAMPLE / "entente.toml", folder / "entente.toml")
    return folder


def record(scene: Scene, env: dict[str, str]) -> None:
    """The castle client's tests, recorded; two verifications; one approval, one rejection;
    three deployments."""
    run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], scene.project_dir, env)
    provider = provider_project(scene)
    verify = [sys.executable, "-m", "entente_daemon.cli", "verify"]
    with castle_service(provider, env, None) as url:
        run([*verify, "--base-url", url], provider, env)
    with castle_service(provider, env, "type-changed") as url:
        run([*verify, "--base-url", url, "--provider-version", "1.1.0"], provider, env, (0, 1))
    deploy = [sys.executable, "-m", "entente_daemon.cli", "deploy-service"]
    for service, version, environment in DEPLOYMENTS:
        where = ["--service-version", version, "--environment", environment]
        run([*deploy, "--name", service, *where], scene.project_dir, env)
    with scene.client() as client:
        drafts = client.fixtures(status=FixtureStatus.DRAFT)
        if len(drafts) < 3:
            raise RuntimeError(f"the verification proposed {len(drafts)} draft(s), not 3+")
        client.approve(drafts[0].id, by="alice")
        client.reject(drafts[1].id, note="The list depends on the test data; keep the example.")


def break_and_fix(scene: Scene) -> Callable[[], None]:
    """A function that breaks the spec, waits for the error, and fixes it again."""
    return lambda: break_and_fix_spec(scene)


async def shoot(scene: Scene, out: Path, size: tuple[int, int]) -> list[Path]:
    saved: list[Path] = []
    app = EntenteApp(scene.project_dir, home=scene.home, start_daemon=False)

    def save(name: str) -> None:
        saved.append(Path(app.save_screenshot(filename=f"{name}.svg", path=str(out))))

    async with app.run_test(size=size, notifications=True) as pilot:
        await show(pilot, "interactions")
        save("interactions")
        await pilot.press("up", "up", "enter")
        await settle(pilot, lambda: detail_open(app), "the interaction's detail")
        save("interaction-detail")
        await pilot.press("d", "g")
        await settle(pilot, lambda: runs_open(app), "the test runs")
        save("test-runs")
        await pilot.press("g")

        await show(pilot, "verifications", "2")
        save("verifications")
        await pilot.press("enter")
        await settle(pilot, lambda: True, "the failures")
        save("verification-failures")
        await modal(pilot, "v", StartVerificationScreen)
        save("start-verification")
        await pilot.press("escape")

        await show(pilot, "fixtures", "3")
        save("fixtures")
        await pilot.press("down")
        await modal(pilot, "enter", FixtureDetailScreen)
        save("fixture-detail")
        await pilot.press("escape")
        await modal(pilot, "r", RejectNoteScreen)
        save("reject-note")
        await pilot.press("escape")

        await show(pilot, "deploy", "5")
        await pilot.press("e")  # staging: the build that failed the contract runs there
        await settle(pilot, lambda: deploy_answered(app, "staging"), "staging's readiness")
        save("deploy")

        await asyncio.to_thread(break_and_fix(scene))
        await settle(pilot, lambda: app.unseen_alerts >= 2, "the alerts' toasts and badge")
        save("alert-toast")
        app.clear_notifications()
        await show(pilot, "alerts", "4")
        await until(pilot, lambda: rows_in(app) >= 2, "the error and the reload listed")
        save("alerts")
        await modal(pilot, "enter", AlertDetailScreen)
        save("alert-detail")
        await pilot.press("escape")

        # region taken out of the castle spec: castle-client's recorded test reads it.
        good = scene.castle.spec.read_text(encoding="utf-8")
        scene.castle.write_spec(without_region(good))
        await settle(pilot, lambda: bool(app.breaking), "the breaking change")
        app.clear_notifications()
        await until(pilot, lambda: breaking_listed(app), "the breaking change listed")
        save("breaking-alerts")
        table = app.screen.query_one(AlertTable)
        table.move_cursor(row=0)  # the save (newest first), then its first change
        await pilot.press("down")
        await settle(pilot, lambda: on_a_change(table), "the cursor on the first change")
        await modal(pilot, "enter", BreakingDetailScreen)
        await settle(pilot, lambda: interaction_shown(app), "the interaction it breaks")
        save("breaking-detail")
        await pilot.press("escape")
        scene.castle.write_spec(good)
        await settle(pilot, lambda: not app.breaking, "the breaking change cleared")
        app.clear_notifications()

        await modal(pilot, "question_mark", HelpScreen)
        save("help")
        await pilot.press("escape", "1", "t")
        await show(pilot, "interactions")
        save("interactions-light")
    return saved


async def modal(pilot: Pilot[None], key: str, kind: type[object]) -> None:
    app = pilot.app
    await pilot.press(key)
    await settle(pilot, lambda: isinstance(app.screen, kind), f"{kind.__name__}")


def deploy_answered(app: EntenteApp, environment: str) -> bool:
    screen = app.screen
    return (
        isinstance(screen, DeployScreen)
        and screen.environment == environment
        and not screen.reading
        and screen.decision("castle-client", "1.0.0") is not None
    )


def breaking_listed(app: EntenteApp) -> bool:
    screen = app.screen
    return isinstance(screen, AlertsScreen) and any(
        row[0] == "spec.breaking_change" for row in alert_rows(app)
    )


def on_a_change(table: AlertTable) -> bool:
    row = table.current_row
    return row is not None and row[1] == 0


def interaction_shown(app: EntenteApp) -> bool:
    screen = app.screen
    if not isinstance(screen, BreakingDetailScreen):
        return False
    return "castle-client" in str(screen.query_one("#breaking-interaction").render())


def detail_open(app: EntenteApp) -> bool:
    screen = app.screen
    return isinstance(screen, InteractionsScreen) and screen.detail.interaction is not None


def runs_open(app: EntenteApp) -> bool:
    screen = app.screen
    return (
        isinstance(screen, InteractionsScreen)
        and not screen.runs_panel.has_class("hidden")
        and bool(screen.runs_panel.runs)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="140x40", help="columns x lines")
    args = parser.parse_args(argv)
    columns, lines = (int(n) for n in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="entente-screenshots-") as folder:
        root = Path(folder)
        home = root / "entente-home"
        os.environ["ENTENTE_HOME"] = str(home)
        castle = castle_project(root / "castle-demo")
        start_daemon(home, timeout=60)
        scene = Scene(root / "castle-demo", home, castle)
        try:
            with scene.client() as client:
                client.attach_project(castle.config)
                wait_serving(client, castle.port)
            record(scene, clean_env(home))
            aio.async_http_client = neutral_client_factory(scene, clock=None)
            saved = asyncio.run(shoot(scene, args.out, (columns, lines)))
        finally:
            scene.stop()
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    private = (folder, tempfile.gettempdir() + os.sep, str(ROOT), str(Path.home()) + os.sep)
    leaks = [
        f"{path.name}: {where}"
        for path in saved
        for where in private
        if where in path.read_text(encoding="utf-8")
    ]
    if leaks:
        print(f"machine paths in the screenshots: {leaks}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
