"""The consumer side: mocks of the providers a service consumes, for its tests.

    from entente_daemon.consumer import create_client

    client = create_client()                       # the project's entente.toml
    with client.create_mock("castle-service") as castle:
        ...                                        # castle.url, castle.intercept(...)

* :mod:`.client` -- `create_client`, `EntenteClient` (mocks, recording real traffic);
* :mod:`.mock` -- `Mock`: HTTP server and respx routes sharing one engine and recorder;
* :mod:`.intercept` -- httpx ↔ mock request/response conversion, respx routers;
* :mod:`.passthrough` -- recording real traffic to a real provider, draft fixtures;
* :mod:`.fixtures` -- approved fixtures from the store and the test's own;
* :mod:`.upload` -- where recordings go: the daemon, the store (or a spool), the broker.
"""

from entente_daemon.consumer.client import EntenteClient, TrafficRecording, create_client
from entente_daemon.consumer.fixtures import FixtureError
from entente_daemon.consumer.mock import Mock
from entente_daemon.consumer.upload import BrokerUploadError, UploadResult, upload
from entente_daemon.openapi.resolution import (
    SpecCandidate,
    SpecChoice,
    SpecResolutionError,
    choose_spec,
)

__all__ = [
    "BrokerUploadError",
    "EntenteClient",
    "FixtureError",
    "Mock",
    "SpecCandidate",
    "SpecChoice",
    "SpecResolutionError",
    "TrafficRecording",
    "UploadResult",
    "choose_spec",
    "create_client",
    "upload",
]
