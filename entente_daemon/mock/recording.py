"""What a mock needs of a recorder, and the headers that attribute a request to a test.

Recording is `entente_daemon.record`'s job, a layer above the mock (it turns the mock's
messages into interactions), so the mock does not import it: it names here what it calls and
what a server reports of it when it stops, and
`entente_daemon.record.capture.InteractionCapture` satisfies that (mypy checks it wherever
one is handed to a `MockApp`).
"""

from __future__ import annotations

from typing import Protocol

from entente_daemon.mock.messages import MockRequest, MockResult
from entente_daemon.model import Interaction

#: Sent by tests in other languages (and read by the in-process mock too): the test id and
#: the run id a request is attributed to. The mock takes them out of the request before the
#: engine or the recorder sees it.
TEST_HEADER = "x-entente-test"
RUN_HEADER = "x-entente-run"


class Described(Protocol):
    """Where a recorder writes, as a server names it to the user."""

    def describe(self) -> str: ...


class Recorder(Protocol):
    """Where a mock hands each answered request: ``record`` must only enqueue (it runs on the
    serving path); ``start`` and ``close`` follow the server's lifespan."""

    def start(self) -> None:
        """Get ready to record; raises when it cannot (the server then does not start)."""
        ...

    def record(
        self,
        request: MockRequest,
        result: MockResult,
        duration: float,
        test_id: str | None,
        run_id: str | None,
    ) -> None:
        """One answered request, ``duration`` in seconds; ``test_id``/``run_id`` from the
        attribution headers (None: not sent)."""
        ...

    def close(self) -> list[Interaction]:
        """Write what is left; the interactions that could not be written."""
        ...

    # -- what a server reports when it stops (``entente mock``'s summary) --------------------

    @property
    def sink(self) -> Described: ...

    @property
    def recorded(self) -> int:
        """Requests accepted by ``record``."""
        ...

    @property
    def written(self) -> int:
        """Requests the sink took."""
        ...

    @property
    def dropped(self) -> int:
        """Requests lost to the recorder's memory bounds."""
        ...

    @property
    def last_error(self) -> Exception | None:
        """Why the sink last failed, if it did."""
        ...
