"""Messages the app and its screens exchange ("attributes down, messages up")."""

from __future__ import annotations

from textual.message import Message


class ShowScreen(Message):
    """Ask the app to show one of its main screens (by name)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class ShowVerification(Message):
    """Ask the app to show the Verifications screen on the run that stored this
    verification, its failures open."""

    def __init__(self, verification_id: str) -> None:
        super().__init__()
        self.verification_id = verification_id
