"""What static lists tell the layers above them (workflows' "added to a list" trigger): a signal
sent after the commit, with ids only."""

from django.dispatch import Signal

# list_members_added.send(sender=List, tenant_id=..., list_id=..., record_ids=[...])
list_members_added = Signal()
