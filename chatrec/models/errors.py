"""Errors raised when a requested model cannot be used."""

from __future__ import annotations


class ModelUnavailableError(RuntimeError):
    """A model was asked for that is not installed or cannot load; the message says what to do."""
