"""``python -m castle_service [--port 8000] [--variant NAME]``: serve on 127.0.0.1 only
(8000: the base_url of entente.toml, where ``entente verify`` looks for it). Says where it
listens once it does (``--port 0``: any free port, the one it got is printed)."""

from __future__ import annotations

import argparse
import socket

import uvicorn

from castle_service.app import VARIANTS, create_app

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="castle-service", description="Serve the example castle API on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any)")
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        default=None,
        help="serve a deliberately broken build (for verifier tests)",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")
    args = parser.parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, args.port))
    except OSError as exc:
        sock.close()
        parser.exit(1, f"castle-service: cannot listen on {HOST}:{args.port}: {exc.strerror}\n")
    sock.listen(128)
    port = sock.getsockname()[1]
    build = f" (variant {args.variant})" if args.variant else ""
    print(f"castle-service{build} listening on http://{HOST}:{port} (Ctrl-C stops)", flush=True)
    config = uvicorn.Config(create_app(args.variant), log_level=args.log_level, lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


if __name__ == "__main__":
    main()
