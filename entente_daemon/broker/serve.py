"""Serving the broker: migrate, bind the socket (port 0: the OS picks; the URL is printed
so that scripts and tests can read it), then uvicorn, in one process or ``workers`` of them
sharing the socket."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from . import keys
from .database import describe_url, migrate, open_engine
from .settings import BrokerSettings

APP = "entente_daemon.broker.app:app_from_env"


@dataclass(frozen=True)
class Listen:
    host: str = "127.0.0.1"
    port: int = 0
    workers: int = 1
    certfile: str | None = None
    keyfile: str | None = None


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(settings: BrokerSettings, listen: Listen, say: Callable[[str], None]) -> None:
    engine = open_engine(settings.database)
    revision = migrate(engine)
    say(f"database {describe_url(settings.database)} at schema revision {revision}")
    if keys.count_active(engine) == 0:
        say(
            "no API keys yet: make the first admin key with\n"
            "  entente broker keys create --name admin --scope admin "
            f"--database {describe_url(settings.database)}"
        )
    engine.dispose()
    sock = bind(listen.host, listen.port)
    port = sock.getsockname()[1]
    scheme = "https" if listen.certfile else "http"
    shown = f"[{listen.host}]" if ":" in listen.host else listen.host
    os.environ.update(settings.to_env())
    config = uvicorn.Config(
        APP,
        factory=True,
        workers=listen.workers,
        ssl_certfile=listen.certfile,
        ssl_keyfile=listen.keyfile,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
        # a worker still importing on a busy machine is not dead: give it time to answer
        timeout_worker_healthcheck=60,
        log_level="info",
        # the access log shows method, path and status: never a header, so never a key
        access_log=True,
    )
    server = uvicorn.Server(config)
    say(f"Entente broker serving on {scheme}://{shown}:{port}")
    if listen.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
