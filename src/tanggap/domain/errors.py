"""Typed domain errors. Each carries the field it concerns, so the API can say what is wrong."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a rule of the domain was broken by the request, not by a bug."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidTarget(DomainError):
    field = "targets"


class InvalidTransition(DomainError):
    """The case is not in a state where this step can happen."""

    field = "state"


class ConflictingDecision(DomainError):
    """A different decision was already taken on this case."""

    field = "action"


class InvalidDecision(DomainError):
    field = "action"


class UnknownCategory(DomainError):
    field = "category"


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class DuplicateReference(DomainError):
    field = "reference"
