"""Is anything listening where the provider should run? Asked once before a verification,
so that a provider that is not running is one clear line, not a failure per interaction."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from entente_daemon.verify.provider import VerifyError

CONNECT_TIMEOUT = 5.0


def check_listening(base_url: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """`VerifyError` unless a TCP connection to ``base_url``'s host and port opens."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise VerifyError(f"{base_url!r} is not a usable URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise VerifyError(f"{base_url!r} is not an http:// or https:// URL with a host")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except socket.gaierror:
        raise VerifyError(
            f"cannot resolve the host of {base_url}: check the provider's URL (--base-url)"
        ) from None
    except TimeoutError:
        raise VerifyError(
            f"nothing answers at {base_url} (no connection within {timeout:g} s): start the "
            "provider, or pass --base-url"
        ) from None
    except OSError:
        raise VerifyError(
            f"nothing is listening at {base_url}: start the provider, or pass --base-url"
        ) from None
