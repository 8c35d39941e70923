"""Entente's two themes; `t` switches between them."""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="entente-dark",
    primary="#5FAFD7",
    secondary="#AF87D7",
    accent="#FFAF5F",
    warning="#FFD75F",
    error="#FF5F5F",
    success="#87D787",
    foreground="#E4E4E4",
    background="#1C1C1C",
    surface="#262626",
    panel="#303030",
    dark=True,
)

LIGHT = Theme(
    name="entente-light",
    primary="#005F87",
    secondary="#5F00AF",
    accent="#AF5F00",
    warning="#AF8700",
    error="#D70000",
    success="#008700",
    foreground="#1C1C1C",
    background="#FAFAFA",
    surface="#EEEEEE",
    panel="#E4E4E4",
    dark=False,
)

THEMES = (DARK, LIGHT)
