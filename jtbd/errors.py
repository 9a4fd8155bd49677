"""Errors the library raises; the CLI turns them into one line on stderr and exit 1."""

from __future__ import annotations


class JtbdError(Exception):
    """Base class: a problem the user can fix (bad input, bad option, broken model)."""


class ConfigError(JtbdError):
    """An option or setting has a value that cannot be used."""


class CorpusError(JtbdError):
    """The corpus path or one of its files cannot be read as documents."""


class ModelError(JtbdError):
    """A model is missing, or its files are not the ones the manifest names."""


class FetchError(JtbdError):
    """Fetching from a remote API failed after its retries."""


class StoreError(JtbdError):
    """The cache and run-history store under the home folder cannot be opened."""
