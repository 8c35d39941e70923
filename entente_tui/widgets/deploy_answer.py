"""The panel under the readiness matrix: the selected pair (its state, why, the verification
behind it) and can-i-deploy's answer for the version asked about, with each reason, each
pair's state and the commands to run next. Plain text with symbols, so it reads without
colour; colour only adds to it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from entente_daemon.client.deploy_wire import DecisionPair, DeployDecision, MatrixCell

from .clock import stamp
from .readiness_table import SYMBOLS, state_label

ANSWERS = {"yes": "✔ yes", "no": "✘ no", "unknown": "? unknown"}


@dataclass(frozen=True)
class AnswerView:
    """What the panel shows: the pair under the cursor, the service version asked about
    (``asking``: "castle-client 1.0.0"), the daemon's decision for it once it came (or why
    it did not), and the environment."""

    environment: str
    cell: MatrixCell | None
    asking: str | None = None
    decision: DeployDecision | None = None
    problem: str | None = None


#: The colours of good, bad and doubtful news (the theme's, when shown).
Colours = dict[str, str]
PLAIN: Colours = {"good": "green", "bad": "red", "doubt": "yellow"}
TONES = {"verified": "good", "yes": "good", "failed": "bad", "no": "bad"}


def short_id(ident: str) -> str:
    """A daemon id (32 hex digits) cut to 12; any other kept whole."""
    hexadecimal = len(ident) == 32 and all(c in "0123456789abcdef" for c in ident)
    return ident[:12] if hexadecimal else ident


def _colour(state: str, colours: Colours) -> str:
    return colours[TONES.get(state, "doubt")]


def pair_of(decision: DeployDecision | None, cell: MatrixCell) -> DecisionPair | None:
    """The decision's pair for the matrix cell (it carries the verification's counts)."""
    if decision is None:
        return None
    for pair in decision.pairs:
        if (
            pair.consumer == cell.consumer
            and pair.consumer_version == cell.consumer_version
            and pair.provider == cell.provider
            and pair.provider_version == cell.provider_version
        ):
            return pair
    return None


def pair_text(cell: MatrixCell, decision: DeployDecision | None, colours: Colours = PLAIN) -> Text:
    text = Text()
    text.append(f"{cell.consumer} {cell.consumer_version}", style="bold")
    text.append(" live" if cell.consumer_live else " candidate", style="dim")
    text.append(" → ")
    if cell.provider_version is None:
        text.append(f"{cell.provider} (no version)", style="bold")
    else:
        text.append(f"{cell.provider} {cell.provider_version}", style="bold")
        text.append(" live" if cell.provider_live else " candidate", style="dim")
    text.append(": ")
    text.append(state_label(cell.state), style=f"bold {_colour(cell.state, colours)}")
    text.append(f"\n  {cell.reason}")
    if cell.leaned_on:
        text.append(f"\n  leaned on {cell.leaned_on}", style="dim")
    pair = pair_of(decision, cell)
    if pair is not None and pair.verification is not None:
        used = pair.verification
        text.append(
            f"\n  verification {short_id(used.id)} of {cell.provider} {used.provider_version}, "
            f"{stamp(used.finished_at)}: {used.passed} passed, {used.failed} failed"
        )
        text.append("   enter: open it", style="dim")
    elif cell.verification_id is not None:
        text.append(f"\n  verification {short_id(cell.verification_id)}")
        text.append("   enter: open it", style="dim")
    else:
        text.append("\n  no verification behind this pair", style="dim")
    return text


def decision_text(view: AnswerView, colours: Colours = PLAIN) -> RenderableType:
    """The question and its answer, then each reason, each pair and each next step on a
    line of its own (long ones wrap under their text, not under the mark)."""
    text = Text()
    text.append(f"Can {view.asking} deploy to {view.environment}? ", style="bold")
    if view.problem is not None:
        text.append(f"could not ask: {view.problem}", style=colours["bad"])
        return text
    decision = view.decision
    if decision is None:
        text.append("asking…", style="dim")
        return text
    summary = decision.summary
    answer = ANSWERS.get(summary.answer, summary.answer)
    text.append(answer, style=f"bold {_colour(summary.answer, colours)}")
    lines = Table.grid(padding=(0, 1))
    lines.add_column(width=3, justify="right", no_wrap=True)
    lines.add_column(ratio=1)
    for reason in summary.reasons:
        lines.add_row("·", reason)
    for pair in decision.pairs:
        other = (
            f"{pair.provider} {pair.provider_version or '(none)'}"
            if pair.role == "consumer"
            else f"{pair.consumer} {pair.consumer_version}"
        )
        symbol = Text(SYMBOLS.get(pair.state, "?"), style=f"bold {_colour(pair.state, colours)}")
        lines.add_row(symbol, f"{other}: {pair.reason}")
    if summary.ignored:
        lines.add_row("-", Text(f"ignored: {', '.join(summary.ignored)}", style="dim"))
    if summary.next_steps:
        lines.add_row("", Text("Next:", style="bold"))
    for step in summary.next_steps:
        lines.add_row("→", step)
    return Group(text, lines)


class DeployAnswer(VerticalScroll):
    """Scrolls when what it says is taller than the room it has (a small terminal)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id)
        self._shown: tuple[AnswerView | None, str] = (None, "")

    def compose(self) -> ComposeResult:
        yield Static("", id="deploy-answer-text")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self.show(*self._shown), init=False)

    def show(self, view: AnswerView | None, empty: str = "") -> None:
        self._shown = (view, empty)
        theme = self.app.current_theme
        colours = {
            "good": theme.success or PLAIN["good"],
            "bad": theme.error or PLAIN["bad"],
            "doubt": theme.warning or PLAIN["doubt"],
        }
        body: RenderableType
        if view is None or view.cell is None:
            body = Text(empty, style="dim")
        elif view.asking is None:
            body = pair_text(view.cell, view.decision, colours)
        else:
            body = Group(
                pair_text(view.cell, view.decision, colours),
                Text(""),
                decision_text(view, colours),
            )
        self.query_one("#deploy-answer-text", Static).update(body)
