"""Recording: what consumers asked a mock and what it answered, stored for verification.

    recorder = InteractionCapture("castle-client", "1.0.0", "castle-service", "1.0.0", "local",
                        StoreSink(store))
    recorder.record(mock_request, mock_result, duration_seconds)   # cheap: only enqueues
    recorder.close()                                                # writes what is left

* :mod:`.capture` -- `InteractionCapture`: queue, flusher thread, de-duplication, retries;
* :mod:`.convert` -- one request/answer → one redacted, hashed `Interaction`;
* :mod:`.redact` -- `Redaction`: which headers and query parameters carry credentials;
* :mod:`.sinks` -- `StoreSink`, `LocalStoreSink`, `MemorySink`, `NullSink`
  (and :mod:`.daemon_sink` -- `DaemonSink`, uploading to the running daemon);
* :mod:`.context` -- `RecordingContext`: the current test id and run id;
* :mod:`.policy` -- whether to record by default (CI, a running daemon).
"""

from entente_daemon.client import daemon_running
from entente_daemon.record.capture import InteractionCapture
from entente_daemon.record.context import (
    RUN_HEADER,
    TEST_HEADER,
    RecordingContext,
    recording_context,
)
from entente_daemon.record.convert import Identity, readable_path, to_interaction
from entente_daemon.record.policy import recording_enabled
from entente_daemon.record.redact import REDACTED, Redaction
from entente_daemon.record.sinks import LocalStoreSink, MemorySink, NullSink, Sink, StoreSink

__all__ = [
    "REDACTED",
    "RUN_HEADER",
    "TEST_HEADER",
    "Identity",
    "LocalStoreSink",
    "MemorySink",
    "NullSink",
    "InteractionCapture",
    "RecordingContext",
    "Redaction",
    "Sink",
    "StoreSink",
    "daemon_running",
    "readable_path",
    "recording_context",
    "recording_enabled",
    "to_interaction",
]
