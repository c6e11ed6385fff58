"""Who may view and edit sensitive properties: the one check every path goes through.

- A tenant's super admins may view and edit every property of their tenant.
- Other users need a django-guardian grant on the property (`view_sensitive`, or
  `edit_sensitive` which implies view), given to them or to one of their teams.
- Platform operators (is_superuser without a tenant) never pass, whatever guardian says.
- A private app (a user with role "app") has no guardian grants: its API scopes stand in for them
  (accounts/scopes.py), a tier's read scope for view and its write scope for edit, limited to the
  app's sensitive allowlist when it has one.

Grants are loaded once per user and kept in process memory, keyed by the tenant's
`grants_version`, which every grant, revoke, team and super admin change bumps. The version
comes with the one state query each sensitive call makes anyway, so a permitted user costs no
more queries than a super admin, and a revoke is seen on the very next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts import scopes as api_scopes
from accounts.models import PrivateApp
from crm.models import PropertyDefinition
from sensitive import keys

VIEW = "view_sensitive"
EDIT = "edit_sensitive"
CODENAMES = (VIEW, EDIT)


@dataclass(frozen=True)
class Grants:
    grants_version: int
    view: frozenset = frozenset()  # property ids the user may view (edit implies view)
    edit: frozenset = frozenset()
    super_admin_names: tuple[str, ...] = ()
    via_team: dict = field(default_factory=dict)  # property id -> team names that grant it


_cache: dict[tuple, Grants] = {}
_lock = threading.Lock()


def _load_app_grants(actor, grants_version: int) -> Grants:
    app = getattr(actor, "private_app", None) or PrivateApp.objects.get(user=actor)
    allowlist = set(app.sensitive_allowlist)
    view, edit = set(), set()
    definitions = (
        PropertyDefinition.objects.filter(tenant_id=actor.tenant_id)
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .values_list("pk", "name", "sensitivity", "object_type__name", "object_type__is_standard")
    )
    for pk, name, tier, type_name, is_standard in definitions:
        if allowlist and f"{type_name}.{name}" not in allowlist:
            continue
        for access, into in ((api_scopes.READ, view), (api_scopes.WRITE, edit)):
            needed = api_scopes.object_scopes_needed(type_name, is_standard=is_standard, access=access, tier=tier)
            if api_scopes.may(app.scopes, needed):
                into.add(str(pk))
    return Grants(grants_version, frozenset(view), frozenset(edit))


def _load_grants(actor, grants_version: int) -> Grants:
    if actor.role == "app":
        return _load_app_grants(actor, grants_version)
    content_type = ContentType.objects.get_for_model(PropertyDefinition)
    direct = UserObjectPermission.objects.filter(
        user=actor, content_type=content_type, permission__codename__in=CODENAMES
    ).values_list("object_pk", "permission__codename")
    # Only groups that are teams of the actor's own tenant: a group left behind, made by hand or by
    # another app, or another tenant's team, grants nothing (and "who can see this" lists only teams).
    through_teams = GroupObjectPermission.objects.filter(
        group__user=actor,
        group__team__tenant_id=actor.tenant_id,
        content_type=content_type,
        permission__codename__in=CODENAMES,
    ).values_list("object_pk", "permission__codename", "group__team__name")
    view, edit, via_team = set(), set(), {}
    for object_pk, codename, *team in [*direct, *through_teams]:
        view.add(object_pk)
        if codename == EDIT:
            edit.add(object_pk)
        if team:
            via_team.setdefault(object_pk, []).append(team[0])
    admins = get_user_model().objects.filter(tenant_id=actor.tenant_id, role="super_admin", is_active=True)
    names = tuple(admin.get_full_name() for admin in admins.order_by("first_name", "email")[:3])
    return Grants(grants_version, frozenset(view), frozenset(edit), names, via_team)


class PropertyAccess:
    """The actor's rights on sensitive properties, worked out once per call, not once per value."""

    def __init__(self, actor, state: keys.TenantState | None = None) -> None:
        self.actor = actor
        self._state = state
        self._grants: Grants | None = None

    @property
    def is_tenant_member(self) -> bool:
        return self.actor.is_active and self.actor.tenant_id is not None

    def _in_tenant(self, definition: PropertyDefinition) -> bool:
        return self.is_tenant_member and definition.tenant_id == self.actor.tenant_id

    def grants(self) -> Grants:
        if self._grants is None:
            state = self._state or keys.tenant_state(self.actor.tenant_id)
            cache_key = (self.actor.tenant_id, self.actor.pk)
            cached = _cache.get(cache_key)
            if cached is None or cached.grants_version != state.grants_version:
                cached = _load_grants(self.actor, state.grants_version)
                with _lock:
                    _cache[cache_key] = cached
            self._grants = cached
        return self._grants

    def can_view(self, definition: PropertyDefinition) -> bool:
        if not self._in_tenant(definition):
            return False
        return self.actor.is_super_admin or str(definition.pk) in self.grants().view

    def can_edit(self, definition: PropertyDefinition) -> bool:
        if not self._in_tenant(definition):
            return False
        return self.actor.is_super_admin or str(definition.pk) in self.grants().edit

    def who_to_ask(self, definition: PropertyDefinition) -> str:
        if not self.is_tenant_member:
            return "the organisation's super admins"
        if self.actor.role == "app":
            return "a super admin for the app's sensitive scope"
        names = self.grants().super_admin_names
        return " or ".join(names) + " (super admin)" if names else "a super admin"


def forget_cached_grants() -> None:
    _cache.clear()
