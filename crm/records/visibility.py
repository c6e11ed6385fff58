"""Which records a user sees: per object type, all of them, their teams' and their own, or their own.

Super admins see every record of their tenant. Scopes are set by super admins (RecordScope);
a user without a scope for an object type sees all its records, as in most CRMs. A private app
has no record scope (record_scope_set refuses one): its API scopes say which types it reads.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Team
from crm.models import Record, RecordScope

Scope = RecordScope.Scope


class Visibility:
    """The actor's record scopes, read once per request and reused for every check."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self._scopes: dict | None = None
        self._team_ids: set | None = None

    def scope(self, object_type_id) -> str:
        if self.actor.is_super_admin or self.actor.is_app:
            return Scope.ALL
        if self._scopes is None:
            self._scopes = dict(RecordScope.objects.filter(user=self.actor).values_list("object_type_id", "scope"))
        return self._scopes.get(object_type_id, Scope.ALL)

    def team_ids(self) -> set:
        if self._team_ids is None:
            self._team_ids = set(Team.objects.filter(group__user=self.actor).values_list("pk", flat=True))
        return self._team_ids

    def q(self, object_type_id) -> Q:
        """A filter on Record for the records of one type the actor may see."""
        scope = self.scope(object_type_id)
        if scope == Scope.OWNED:
            return Q(owner=self.actor)
        if scope == Scope.TEAM:
            return Q(owner=self.actor) | Q(team_id__in=Team.objects.filter(group__user=self.actor).values("pk"))
        return Q()

    def allows(self, record: Record) -> bool:
        if record.tenant_id != self.actor.tenant_id:
            return False
        scope = self.scope(record.object_type_id)
        if scope == Scope.OWNED:
            return record.owner_id == self.actor.pk
        if scope == Scope.TEAM:
            return record.owner_id == self.actor.pk or record.team_id in self.team_ids()
        return True


def visibility_of(actor) -> Visibility:
    """The actor's Visibility, kept on the actor object, so that the reads of one request (a page's
    records, then their values) ask for the record scopes once. A request's user lives as long as the
    request; writes still check with a fresh Visibility."""
    visibility = getattr(actor, "_record_visibility", None)
    if visibility is None or visibility.actor is not actor:
        visibility = Visibility(actor)
        actor._record_visibility = visibility
    return visibility


def visibility_forget(user) -> None:
    """After a change of the user's record scopes or teams: the next read asks again."""
    user.__dict__.pop("_record_visibility", None)
