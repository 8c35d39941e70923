"""One mock the daemon hosts: a consumer project's mock of one of its providers, and how it
is listed (`MockStatus`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.client.wire import MockInfo
from entente_daemon.config import ConsumedProvider, ProjectConfig
from entente_daemon.daemon.services.watcher import Signature
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import MockServer
from entente_daemon.openapi import Spec
from entente_daemon.record.capture import InteractionCapture

STARTING = "starting"
RUNNING = "running"
FAILED = "error"  # not serving: its spec or its port is the problem (see ``error``)
STOPPED = "stopped"


#: What ``GET /v1/mocks`` lists for each hosted mock.
MockStatus = MockInfo


@dataclass
class HostedMock:
    config: ProjectConfig
    entry: ConsumedProvider
    state: str = STARTING
    error: str | None = None
    spec: Spec | None = None
    version: str | None = None
    app: MockApp | None = None
    server: MockServer | None = None
    recorder: InteractionCapture | None = None
    # the files watched for it, each with its signature as last read
    files: dict[Path, Signature] = field(default_factory=dict)

    @property
    def key(self) -> tuple[Path, str]:
        return (self.config.file, self.entry.name)

    @property
    def provider(self) -> str:
        return self.entry.name

    @property
    def label(self) -> str:
        return f"the mock of {self.entry.name} for {self.config.service} ({self.config.file})"

    def info(self) -> MockStatus:
        server = self.server
        serving = server is not None and self.state == RUNNING
        return MockStatus(
            provider=self.entry.name,
            url=server.url if serving and server is not None else "",
            project=str(self.config.file),
            consumer=self.config.service,
            spec=str(self.entry.spec_path) if self.entry.spec_path is not None else None,
            version=self.version,
            port=server.port if serving and server is not None else self.entry.port,
            state=self.state,
            error=self.error,
            operations=len(self.spec.operations) if self.spec is not None else None,
        )
