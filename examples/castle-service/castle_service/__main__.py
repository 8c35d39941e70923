"""``python -m castle_service [--port 8000] [--variant NAME]``: serve on 127.0.0.1 only
(8000: the base_url of entente.toml, where ``entente verify`` looks for it)."""

from __future__ import annotations

import argparse

import uvicorn

from castle_service.app import VARIANTS, create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="castle-service", description="Serve the example castle API on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        default=None,
        help="serve a deliberately broken build (for verifier tests)",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(args.variant),
        host="127.0.0.1",
        port=args.port,
        log_level=args.log_level,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
