"""Who may view and edit sensitive properties.

Until field grants exist (the permissions issue), a tenant's super admins may view and edit
every sensitive property and everyone else is denied. Platform operators never pass.
"""

from __future__ import annotations

from crm.models import PropertyDefinition


class PropertyAccess:
    """The actor's rights on sensitive properties, worked out once per call, not once per value."""

    def __init__(self, actor) -> None:
        self.actor = actor

    def _in_tenant(self, definition: PropertyDefinition) -> bool:
        return self.actor.tenant_id is not None and definition.tenant_id == self.actor.tenant_id

    def can_view(self, definition: PropertyDefinition) -> bool:
        return self._in_tenant(definition) and self.actor.is_super_admin

    def can_edit(self, definition: PropertyDefinition) -> bool:
        return self._in_tenant(definition) and self.actor.is_super_admin

    def who_to_ask(self, definition: PropertyDefinition) -> str:
        return "a super admin of your organisation"
