"""How a client reaches the daemon: its Unix socket, else its loopback TCP port and token."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon import __version__

from .errors import DaemonNotRunning, DaemonVersionMismatch
from .runtime import RunPaths, RuntimeInfo, lock_held, read_runtime_info, read_token
from .wire import SOCKET_BASE_URL

NOT_RUNNING_HINT = "start it with `entente-daemon start`"


@dataclass(frozen=True)
class Endpoint:
    """One way to the daemon. ``socket`` set: HTTP over the Unix socket; else ``url``
    (loopback TCP) with the bearer ``token``."""

    socket: Path | None = None
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    info: RuntimeInfo | None = None

    @property
    def base_url(self) -> str:
        if self.socket is not None:
            return SOCKET_BASE_URL
        if self.url is None:
            raise ValueError("an endpoint needs a socket or a URL")
        return self.url

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.token is None else {"Authorization": f"Bearer {self.token}"}

    def describe(self) -> str:
        return str(self.socket) if self.socket is not None else str(self.url)


def check_version(version: str, pid: int, client_version: str = __version__) -> None:
    """`DaemonVersionMismatch` unless the daemon runs this client's version."""
    if version != client_version:
        raise DaemonVersionMismatch(
            f"the running Entente daemon (pid {pid}) is version {version}, but this "
            f"client is version {client_version}: restart the daemon with "
            "`entente-daemon stop && entente-daemon start`"
        )


def find_endpoint(
    home: Path | None = None, *, prefer_tcp: bool = False, check: bool = True
) -> Endpoint | None:
    """The running daemon's endpoint, or None when no daemon runs (or only its stale files
    remain). ``check``: raise `DaemonVersionMismatch` when it is another version."""
    paths = RunPaths.for_home(home)
    info = read_runtime_info(paths)
    if info is None or not lock_held(paths):
        return None
    if check:
        check_version(info.version, info.pid)
    socket = Path(info.socket)
    if info.url is not None and (prefer_tcp or not socket.exists()):
        return Endpoint(url=info.url, token=read_token(paths), info=info)
    return Endpoint(socket=socket, info=info)


def require_endpoint(home: Path | None = None, *, prefer_tcp: bool = False) -> Endpoint:
    endpoint = find_endpoint(home, prefer_tcp=prefer_tcp)
    if endpoint is None:
        where = RunPaths.for_home(home).run
        raise DaemonNotRunning(f"no Entente daemon is running for {where}; {NOT_RUNNING_HINT}")
    return endpoint
