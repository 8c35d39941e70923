"""The parts of a fixture's detail: its request and response, the operation's schemas, and
what does not fit the spec. Each takes its data through one attribute and redraws when it
(or the theme: the highlighting follows light and dark) changes."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from entente_daemon.client.wire import FixtureOperation
from entente_daemon.model import Fixture

from .fixture_render import code_block, heading, request_block, response_block


class _ThemedPanel(Static):
    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self.redraw(), init=False)
        self.redraw()

    @property
    def dark(self) -> bool:
        return self.app.current_theme.dark

    @property
    def background(self) -> str:
        """The panel's own background, behind highlighted code (the syntax theme's would
        show as blocks)."""
        return self.app.get_css_variables().get("surface", "default")

    def redraw(self) -> None:
        self.update(self.build())

    def build(self) -> RenderableType:
        raise NotImplementedError


class FixtureExchange(_ThemedPanel):
    """The fixture's request and response."""

    fixture: reactive[Fixture | None] = reactive(None, always_update=True)

    def watch_fixture(self) -> None:
        if self.is_mounted:
            self.redraw()

    def build(self) -> RenderableType:
        fixture = self.fixture
        if fixture is None:
            return Text("Loading…", style="dim")
        return Group(
            heading("Request"),
            request_block(fixture.request, dark=self.dark, background=self.background),
            Text(""),
            heading("Response"),
            response_block(fixture.response, dark=self.dark, background=self.background),
        )


class FixtureSchemas(_ThemedPanel):
    """The operation the fixture answers for and its request and response schemas."""

    operation: reactive[FixtureOperation | None] = reactive(None, always_update=True)
    spec_label: reactive[str | None] = reactive(None)
    loaded: reactive[bool] = reactive(False)

    def watch_operation(self) -> None:
        if self.is_mounted:
            self.redraw()

    def watch_loaded(self) -> None:
        if self.is_mounted:
            self.redraw()

    def build(self) -> RenderableType:
        operation = self.operation
        if operation is None:
            message = "Loading the spec…" if not self.loaded else "No operation to show."
            return Text(message, style="dim")
        title = Text(f"{operation.method} {operation.path}", style="bold")
        title.append(f"  {operation.operation_id}", style="italic")
        if operation.summary:
            title.append(f"\n{operation.summary}")
        if self.spec_label:
            title.append(f"\nspec: {self.spec_label}", style="dim")
        parts: list[RenderableType] = [title, Text("")]
        media = operation.request_media_type
        parts.append(heading(f"Request schema{f' ({media})' if media else ''}"))
        parts.append(self._schema(operation.request_schema, "no request body documented"))
        parts.append(Text(""))
        status, media = operation.response_status, operation.response_media_type
        label = " ".join(part for part in (status, media) if part)
        parts.append(heading(f"Response schema{f' ({label})' if label else ''}"))
        missing = "status not documented" if status is None else "no response body documented"
        parts.append(self._schema(operation.response_schema, missing))
        return Group(*parts)

    def _schema(self, schema: object, missing: str) -> RenderableType:
        if schema is None:
            return Text(f"({missing})", style="italic dim")
        return code_block(schema, dark=self.dark, background=self.background)


class FixtureProblems(Static):
    """What does not fit the spec, one line each; or that it fits."""

    problems: reactive[tuple[str, ...] | None] = reactive(None)

    def watch_problems(self, problems: tuple[str, ...] | None) -> None:
        self.set_class(bool(problems), "-problems")
        self.set_class(problems is not None and not problems, "-fits")
        if problems is None:
            self.update(Text("Checking against the spec…"))
        elif not problems:
            self.update(Text("✓ Fits the spec"))
        else:
            text = Text(f"⚑ {len(problems)} problem{'s' if len(problems) != 1 else ''}:\n")
            for problem in problems:
                text.append(f"  • {problem}\n")
            text.rstrip()
            self.update(text)
