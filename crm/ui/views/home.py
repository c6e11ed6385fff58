"""The staff UI's home page: the records that changed last."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.records import selectors as record_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/home.html", {"recent_records": record_selectors.record_recent(actor=request.user)})
