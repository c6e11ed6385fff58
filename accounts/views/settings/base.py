"""What every screen of the settings area shares: the index and lookups (who may enter: accounts.decorators).

Anyone signed in but a super admin of the tenant gets the one refusal page (403, like /audit/ and
/admin/): that the area exists is no secret. Ids of another tenant's users are 404, looked up inside
the actor's tenant only.
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from accounts.decorators import super_admin_required
from accounts.models import User


def uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such page.") from None


def user_or_404(actor: User, user_id) -> User:
    user = account_selectors.user_get(actor=actor, user_id=uuid_or_404(user_id))
    if user is None:
        raise Http404("No such user.")
    return user


@super_admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/index.html", {"section": "index"})
