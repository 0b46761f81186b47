"""Who may do what. Checked in the services, whatever the caller (API, console, CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tanggap.domain.errors import PermissionDenied
from tanggap.domain.model import Role


class Permission(StrEnum):
    SUBMIT_ORDER = "submit_order"
    VIEW_ALL_ORDERS = "view_all_orders"
    VIEW_CASES = "view_cases"
    DECIDE = "decide"
    APPROVE = "approve"  # four-eyes approvals and escalations
    ENFORCE = "enforce"
    VIEW_AUDIT = "view_audit"
    MANAGE = "manage"


R = Role
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    R.MODERATOR: frozenset({Permission.VIEW_CASES, Permission.DECIDE, Permission.VIEW_ALL_ORDERS}),
    R.SENIOR: frozenset({Permission.VIEW_CASES, Permission.DECIDE, Permission.ENFORCE,
                         Permission.VIEW_ALL_ORDERS, Permission.APPROVE}),
    R.ADMIN: frozenset(Permission),
    R.AUDITOR: frozenset({Permission.VIEW_CASES, Permission.VIEW_ALL_ORDERS, Permission.VIEW_AUDIT}),
    R.LIAISON: frozenset({Permission.VIEW_CASES, Permission.VIEW_ALL_ORDERS}),
}
AUTHORITY_PERMISSIONS = frozenset({Permission.SUBMIT_ORDER})


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an authority (by API key) or a staff user."""

    kind: str  # "authority" | "user" | "system"
    id: str
    name: str
    role: Role | None = None
    languages: tuple[str, ...] = ()
    jurisdiction: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.kind == "authority":
            return AUTHORITY_PERMISSIONS
        if self.kind == "system":
            return frozenset(Permission)
        return ROLE_PERMISSIONS.get(self.role, frozenset()) if self.role else frozenset()

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"{self.kind} {self.name!r} may not {permission.value.replace('_', ' ')}")

    def may_see_order(self, authority_id: str) -> bool:
        """An authority sees only its own orders; staff with the permission see all."""
        if self.kind == "authority":
            return authority_id == self.id
        return self.can(Permission.VIEW_ALL_ORDERS)


SYSTEM = Principal("system", "tanggap", "tanggap")
