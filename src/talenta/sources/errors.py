"""Errors of the sync stage. Each says what went wrong, where (source, file, row) and what to do.

A :class:`SourceError` fails one source (or one entity of it) and is recorded in its run record; it never
stops the other sources of a shard.
"""

from __future__ import annotations


class SourceError(Exception):
    """A source could not be extracted or harmonized.

    ``where`` names the place (file and row, API page, table key); ``hint`` says what the regional
    office or the data engineer should do about it.
    """

    def __init__(self, message: str, *, source_id: str | None = None, where: str | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.source_id = source_id
        self.where = where
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.source_id:
            parts.append(f"source {self.source_id}")
        if self.where:
            parts.append(self.where)
        head = ": ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        return f"{text}. What to do: {self.hint}" if self.hint else text


class CredentialError(SourceError):
    """The source's connection is missing or its credentials were refused."""


class BrokenFileError(SourceError):
    """A dropped file is empty, truncated, half-written or cannot be decoded; nothing of it was loaded."""


class FetchError(SourceError):
    """A REST API kept failing (after retries), ran out of its request budget, or skipped/repeated records.

    ``unreachable`` marks an API that never answered: the source's other entities are not tried.
    """

    def __init__(self, message: str, *, unreachable: bool = False, **kwargs) -> None:
        self.unreachable = unreachable
        super().__init__(message, **kwargs)


class SchemaDriftError(SourceError):
    """The source's columns no longer match its dialect (a mapped column is missing)."""
