"""The object index: chosen columns, sorting, keyset pages, filters and sensitive cells."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import security
from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from accounts.sudo import CONFIRMED_AT
from audit.models import AuditEvent
from crm import selectors, services
from crm.models import Record
from crm.records import api as records_api
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from crm.ui.views import index as index_views
from sensitive import selectors as sensitive_selectors
from tests.conftest import PASSWORD, VerifiedClient
from tests.factories import grant, make_record

INDEX = reverse("record_index", args=["contacts"])


def names_in(response) -> list[str]:
    """The record names of the table, in order."""
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]*)</a>', response.content.decode())


def table(response) -> str:
    return response.content.decode().split("<table")[1].split("</table>")[0]


@pytest.fixture
def people(tenant_a_admin, contacts_a):
    """Five contacts created a minute apart, so created order is certain."""
    rows = [("Grace", "Hopper", "lead"), ("Alan", "Turing", "customer"), ("Edsger", "Dijkstra", "opportunity")]
    rows += [("Barbara", "Liskov", "subscriber"), ("Donald", "Knuth", "")]
    records = []
    start = timezone.now() - dt.timedelta(hours=1)
    for index, (first, last, stage) in enumerate(rows):
        values = {"firstname": first, "lastname": last, "email": f"{first.lower()}@example.test"}
        if stage:
            values["lifecyclestage"] = stage
        record = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values=values)
        stamp = start + dt.timedelta(minutes=index)
        Record.objects.filter(pk=record.pk).update(created_at=stamp, updated_at=stamp)
        records.append(record)
    return records


# --- columns ---------------------------------------------------------------------------------


def test_it_shows_the_first_five_properties_by_position(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    page = client.get(INDEX).content.decode()

    headers = re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<]+)', page)
    assert [h.strip() for h in headers] == [
        "Name",
        "Email",
        "First name",
        "Last name",
        "Phone number",
        "Lifecycle stage",
        "Created",
        "Updated",
    ]
    assert "Lead" in page  # option labels, not values


def test_it_shows_the_chosen_columns_and_remembers_them(client, tenant_a_admin, people, rosalind):
    client.force_login(tenant_a_admin)

    chosen = client.get(INDEX, {"columns": "annual_salary,email"}).content.decode()
    later = client.get(INDEX).content.decode()

    for page in (chosen, later):
        assert "Annual salary" in page and "Email" in page
        assert "Phone number" not in page.split("<table")[1]
        assert "91250" in page
    assert client.session["crm.index_columns.contacts"] == ["annual_salary", "email"]


def test_the_columns_form_sends_checkboxes(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    page = client.get(f"{INDEX}?columns=lastname&columns=email").content.decode()

    assert re.search(r'<input type="checkbox" name="columns" value="lastname"[^>]*checked', page)
    assert '<label class="check" for="view_columns_' in page
    assert "Phone number</a>" not in page


def test_unknown_columns_are_left_out_with_a_notice(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"columns": "nope,<b>x</b>"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "have no property named nope, &lt;b&gt;x&lt;/b&gt;" in page
    assert "Phone number" in page  # the default columns


def test_sensitive_columns_show_a_lock_and_their_level(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = client.get(INDEX, {"columns": "firstname,annual_salary,diagnosis"}).content.decode()

    header = page.split("<thead>")[1].split("</thead>")[0]
    assert header.count('class="icon-lock"') == 2
    assert '<span class="visually-hidden"> (Sensitive)</span>' in header
    assert '<span class="visually-hidden"> (Highly sensitive)</span>' in header
    assert "sort=p.annual_salary" not in page and "sort=p.diagnosis" not in page


def test_a_super_admin_sees_values_and_masks(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = table(client.get(INDEX, {"columns": "annual_salary,diagnosis"}))

    assert "91250" in page
    assert "••••••" in page
    assert "asthma" not in page.lower()


def test_a_member_without_grants_sees_restricted_cells(client, member_a, rosalind):
    client.force_login(member_a)

    page = client.get(INDEX, {"columns": "annual_salary,diagnosis"}).content.decode()

    assert page.count('<span class="restricted"') == 2
    assert "91250" not in page and "asthma" not in page.lower()


def test_a_member_with_a_view_grant_sees_that_value_only(client, member_direct_grant, rosalind):
    client.force_login(member_direct_grant)

    page = client.get(INDEX, {"columns": "annual_salary,diagnosis"}).content.decode()

    assert "91250" in page
    assert page.count('<span class="restricted"') == 1


def test_sensitive_values_are_read_once_per_page(client, tenant_a_admin, contacts_a, rosalind, monkeypatch):
    for first in ("Bo", "Cy", "Di"):
        record_services.record_create(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": first, "annual_salary": 1}
        )
    calls = []
    real = sensitive_selectors.values_read
    monkeypatch.setattr(
        records_api.sensitive_selectors, "values_read", lambda **kwargs: calls.append(kwargs) or real(**kwargs)
    )
    client.force_login(tenant_a_admin)

    client.get(INDEX, {"columns": "firstname,annual_salary"})

    assert len(calls) == 1
    assert len(calls[0]["records"]) == 4 and calls[0]["names"] == ["annual_salary"]


# --- sorting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "sort", "expected"),
    [
        ("newest_first", "", ["Donald Knuth", "Barbara Liskov", "Edsger Dijkstra", "Alan Turing", "Grace Hopper"]),
        (
            "oldest_first",
            "created",
            ["Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"],
        ),
        ("name", "name", ["Alan Turing", "Barbara Liskov", "Donald Knuth", "Edsger Dijkstra", "Grace Hopper"]),
        ("name_desc", "-name", ["Grace Hopper", "Edsger Dijkstra", "Donald Knuth", "Barbara Liskov", "Alan Turing"]),
        (
            "property",
            "p.lastname",
            ["Edsger Dijkstra", "Grace Hopper", "Donald Knuth", "Barbara Liskov", "Alan Turing"],
        ),
        # Missing values come last in both directions.
        (
            "enum",
            "p.lifecyclestage",
            ["Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"],
        ),
        (
            "enum_desc",
            "-p.lifecyclestage",
            ["Barbara Liskov", "Edsger Dijkstra", "Grace Hopper", "Alan Turing", "Donald Knuth"],
        ),
    ],
)
def test_it_sorts(client, tenant_a_admin, people, _case, sort, expected):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"sort": sort} if sort else {})

    assert names_in(response) == expected


def test_it_sorts_by_updated_date(client, tenant_a_admin, people):
    record_services.record_update(actor=tenant_a_admin, record=people[2], values={"phone": "+1 555"})
    client.force_login(tenant_a_admin)

    assert names_in(client.get(INDEX, {"sort": "-updated"}))[0] == "Edsger Dijkstra"


@pytest.mark.parametrize(
    ("_case", "sort", "notice"),
    [
        ("sensitive", "p.annual_salary", "Annual salary is sensitive, so records cannot be sorted by it."),
        ("unknown", "p.nope", "Contacts cannot be sorted by &#x27;p.nope&#x27;."),
        ("garbage", "--;drop", "Contacts cannot be sorted by"),
    ],
)
def test_bad_sort_keys_fall_back_to_newest_first(client, tenant_a_admin, people, salary, _case, sort, notice):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"sort": sort})

    assert response.status_code == 200
    assert notice in response.content.decode()
    assert names_in(response)[0] == "Donald Knuth"


@pytest.mark.parametrize("name", ["contains", "a__b"])
def test_properties_named_like_lookups_sort(client, tenant_a_admin, contacts_a, name):
    services.property_definition_create(actor=tenant_a_admin, object_type=contacts_a, name=name, label="Odd")
    for first, odd in (("Bo", "2"), ("Cy", "1"), ("Di", "3")):
        record_services.record_create(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": first, name: odd}
        )
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"sort": f"-p.{name}"})

    assert names_in(response) == ["Di", "Bo", "Cy"]


def test_headers_link_to_their_sort_and_say_which_is_current(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    page = client.get(INDEX, {"sort": "name"}).content.decode()

    assert '<th scope="col" aria-sort="ascending"><a href="?' in page
    assert "sort=-name" in page  # clicking Name again reverses it
    assert "sort=p.lastname" in page


# --- keyset pages --------------------------------------------------------------------------------


def walk(client, params: dict, direction: str = "next") -> list[list[str]]:
    pages, url = [], f"{INDEX}?" + "&".join(f"{k}={v}" for k, v in params.items())
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(names_in(response))
        match = re.search(rf'<a href="([^"]+)" rel="{direction}">', response.content.decode())
        url = INDEX + match.group(1).replace("&amp;", "&") if match else ""
    return pages


@pytest.mark.parametrize("sort", ["-created", "created", "name", "-name", "p.lifecyclestage", "-p.lifecyclestage"])
def test_next_pages_cover_every_record_once(client, tenant_a_admin, people, monkeypatch, sort):
    client.force_login(tenant_a_admin)
    everything = names_in(client.get(INDEX, {"sort": sort}))  # five fit on one page of 50...
    monkeypatch.setattr(index_views, "PAGE_SIZE", 2)  # ...and of 2 in these walks

    forward = walk(client, {"sort": sort})
    assert [len(page) for page in forward] == [2, 2, 1]
    assert [name for page in forward for name in page] == everything


def test_previous_goes_back_page_by_page(client, tenant_a_admin, people, monkeypatch):
    monkeypatch.setattr(index_views, "PAGE_SIZE", 2)
    client.force_login(tenant_a_admin)
    forward = walk(client, {"sort": "name"})
    last = client.get(INDEX, {"sort": "name"})
    for _ in range(2):
        link = re.search(r'<a href="([^"]+)" rel="next">', last.content.decode()).group(1).replace("&amp;", "&")
        last = client.get(INDEX + link)

    backward = [names_in(last)]
    while match := re.search(r'<a href="([^"]+)" rel="prev">', last.content.decode()):
        last = client.get(INDEX + match.group(1).replace("&amp;", "&"))
        backward.append(names_in(last))

    assert backward == list(reversed(forward))
    assert 'rel="prev"' not in last.content.decode()


def test_records_with_the_same_name_are_paged_by_id(client, tenant_a_admin, contacts_a, monkeypatch):
    for _ in range(5):
        record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Same"})
    monkeypatch.setattr(index_views, "PAGE_SIZE", 2)
    client.force_login(tenant_a_admin)

    pages = walk(client, {"sort": "name"})

    assert [len(page) for page in pages] == [2, 2, 1]


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjoxfQ", "WyJuYW1lIiwgMSwgIngiXQ", "W10"])
def test_a_bad_page_cursor_shows_the_first_page(client, tenant_a_admin, people, cursor):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"after": cursor})

    assert response.status_code == 200
    assert "That page link no longer works" in response.content.decode()
    assert len(names_in(response)) == 5


def encoded(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("_case", "type_name", "sort", "cursor"),
    [
        ("nul_in_text", "contacts", "name", encoded("name", "a\x00b", str(uuid.uuid4()))),
        ("huge_number", "deals", "p.amount", ""),
        ("naive_date", "contacts", "-created", encoded("created", "2026-01-01T00:00:00", str(uuid.uuid4()))),
        ("bad_id", "contacts", "name", encoded("name", "Rosalind", "not-a-uuid")),
        ("number_as_text", "deals", "p.amount", encoded("p.amount", "12", str(uuid.uuid4()))),
    ],
)
def test_tampered_cursors_show_the_first_page(client, tenant_a_admin, _case, type_name, sort, cursor):
    if _case == "huge_number":
        raw = '["p.amount", 1' + "0" * 400 + f', "{uuid.uuid4()}"]'
        cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    client.force_login(tenant_a_admin)

    response = client.get(reverse("record_index", args=[type_name]), {"sort": sort, "after": cursor})

    assert response.status_code == 200
    assert "That page link no longer works" in response.content.decode()


def test_nul_characters_in_parameters_are_refused(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"q": "Gr\x00ace", "sort": "p.last\x00name", "f.lastname": "a\x00", "columns": "\x00"})

    assert response.status_code == 400  # core.middleware.ControlCharacterMiddleware, never a 500


def test_a_cursor_of_another_sort_shows_the_first_page(client, tenant_a_admin, people, monkeypatch):
    monkeypatch.setattr(index_views, "PAGE_SIZE", 2)
    client.force_login(tenant_a_admin)
    link = re.search(r'href="\?([^"]+)" rel="next"', client.get(INDEX, {"sort": "name"}).content.decode()).group(1)
    cursor = re.search(r"after=([^&]+)", link.replace("&amp;", "&")).group(1)

    response = client.get(INDEX, {"sort": "-created", "after": cursor})

    assert "That page link no longer works" in response.content.decode()


def test_no_count_query_runs_for_a_page(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    with CaptureQueriesContext(connection) as captured:
        client.get(INDEX)

    assert not [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "crm_record" in q["sql"]]


@pytest.mark.parametrize("sort", ["name", "-created", "p.dealname", "-p.amount", "p.amount"])
def test_record_page_walks_both_ways(tenant_a_admin, companies_a, sort, db):
    # given deals with amounts, some missing, some equal
    deals = selectors.object_type_get(actor=tenant_a_admin, name="deals")
    for index, amount in enumerate([5, None, 7, 5, None, 12, 7]):
        values = {"dealname": f"Deal {index % 3}"}
        if amount is not None:
            values["amount"] = amount
        record_services.record_create(actor=tenant_a_admin, object_type=deals, values=values)
    records = record_selectors.record_list(actor=tenant_a_admin, object_type=deals)
    parsed = record_selectors.record_sort_parse(object_type=deals, value=sort)
    everything = record_selectors.record_page(records=records, sort=parsed, size=100).records

    # when
    pages, cursor = [], ""
    while True:
        page = record_selectors.record_page(records=records, sort=parsed, after=cursor, size=3)
        pages.append(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    back = [pages[-1].records]
    cursor = pages[-1].previous_cursor
    while cursor:
        page = record_selectors.record_page(records=records, sort=parsed, before=cursor, size=3)
        back.append(page.records)
        cursor = page.previous_cursor

    # then
    assert [r.pk for p in pages for r in p.records] == [r.pk for r in everything]
    assert [[r.pk for r in p] for p in reversed(back)] == [[r.pk for r in p.records] for p in pages]


# --- filters ---------------------------------------------------------------------------------------


def test_an_enumeration_filter_is_a_select_of_its_options(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"f.lifecyclestage": "lead"})

    page = response.content.decode()
    assert names_in(response) == ["Grace Hopper"]
    assert '<select name="f.lifecyclestage" id="filter_f.lifecyclestage">' in page
    assert '<option value="lead" selected>Lead</option>' in page
    assert "1 active" in page


def test_a_text_filter_matches_equal_values(client, tenant_a_admin, people):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"f.lastname": "Knuth", "f.email": ""})

    assert names_in(response) == ["Donald Knuth"]


def test_a_bad_filter_value_is_shown_on_its_field_and_left_out(client, tenant_a_admin, people, salary):
    client.force_login(tenant_a_admin)

    response = client.post(INDEX, {"f.lifecyclestage": "bogus", "f.annual_salary": "lots"}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="filter_f.lifecyclestage_error"' in page
    assert "must be a number" in page and "&#x27;lots&#x27;" not in page
    assert len(names_in(response)) == 5


def test_a_super_admin_filters_on_a_sensitive_property(client, tenant_a_admin, contacts_a, rosalind):
    record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Bo", "annual_salary": 1}
    )
    client.force_login(tenant_a_admin)

    response = client.post(INDEX, {"f.annual_salary": "91,250"}, follow=True)

    assert names_in(response) == ["Rosalind"]
    assert 'name="f.annual_salary"' in response.content.decode()


def test_a_member_with_a_view_grant_may_filter_on_it(client, member_direct_grant, rosalind):
    client.force_login(member_direct_grant)

    response = client.get(INDEX, {"f.annual_salary": "91250"})

    assert names_in(response) == ["Rosalind"]


def test_a_member_without_a_grant_gets_a_message_not_a_500(client, member_a, contacts_a, rosalind, tenant_a_admin):
    record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Bo"})
    client.force_login(member_a)

    response = client.post(INDEX, {"f.annual_salary": "91250", "f.diagnosis": "asthma"}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "You may not filter on Annual salary" in page and "You may not filter on Diagnosis" in page
    assert 'name="f.annual_salary"' not in page  # not offered
    assert sorted(names_in(response)) == ["Bo", "Rosalind"]  # and not applied


def test_unsearchable_sensitive_properties_are_not_offered_as_filters(client, tenant_a_admin, contacts_a, db):
    services.property_definition_create(
        actor=tenant_a_admin, object_type=contacts_a, name="nickname", label="Nickname", sensitivity="sensitive"
    )
    client.force_login(tenant_a_admin)

    response = client.post(INDEX, {"f.nickname": "x", "f.nope": "y"}, follow=True)

    page = response.content.decode()
    assert 'name="f.nickname"' not in page
    assert "Nickname cannot be filtered on here" in page
    assert "There is no property named “nope”" in page


# --- scope -------------------------------------------------------------------------------------------


def test_another_tenants_records_never_show(client, tenant_b_user, people):
    client.force_login(tenant_b_user)

    response = client.get(INDEX)

    assert response.status_code == 200
    assert names_in(response) == []


def test_the_index_links_to_a_new_record(client, member_a, people):
    client.force_login(member_a)

    page = client.get(INDEX).content.decode()

    assert f'href="{reverse("record_create", args=["contacts"])}">New contact</a>' in page


def test_a_sensitive_filter_value_never_appears_in_the_address(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(INDEX, {"f.annual_salary": "91250", "q": ""})

    assert response.status_code == 302
    assert "91250" not in response["Location"] and "f.annual_salary=enc2." in response["Location"]
    assert names_in(client.get(response["Location"])) == ["Rosalind"]


def test_a_sensitive_value_typed_into_the_address_is_left_out(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.get(INDEX, {"f.annual_salary": "91250"})

    assert "use the Filters form for sensitive values" in response.content.decode()


def test_a_filter_token_works_only_for_its_user(client, tenant_a_admin, member_direct_grant, rosalind):
    client.force_login(tenant_a_admin)
    location = client.post(INDEX, {"f.annual_salary": "91250"})["Location"]
    client.force_login(member_direct_grant)

    assert "by another user" in client.get(location).content.decode()


# --- filters on highly sensitive properties are reveals ------------------------------------------


@pytest.fixture
def diagnosis_viewer(tenant_a_admin, member_direct_grant, diagnosis, contacts_a):
    """Dee, with a direct view grant on the highly sensitive Diagnosis too, and a second patient, Bo."""
    grant(diagnosis, to=member_direct_grant)
    make_record(tenant_a_admin, contacts_a, firstname="Bo", diagnosis="diabetes")
    return member_direct_grant


def _confirmation_goes_stale(client) -> None:
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()


def _reveals_by(user):
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL, actor=user)


def test_a_filter_on_a_highly_sensitive_property_asks_for_confirmation_first(client, diagnosis_viewer, rosalind):
    # given
    client.force_login(diagnosis_viewer)
    _confirmation_goes_stale(client)
    location = client.post(INDEX, {"f.diagnosis": "asthma"})["Location"]

    # when
    response = client.get(location)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sudo_confirm"))
    assert not _reveals_by(diagnosis_viewer).exists()


def test_a_confirmed_filter_on_a_highly_sensitive_property_is_an_audited_reveal(client, diagnosis_viewer, rosalind):
    # given
    client.force_login(diagnosis_viewer)
    _confirmation_goes_stale(client)
    location = client.post(INDEX, {"f.diagnosis": "asthma"})["Location"]
    confirm = client.get(location)["Location"]

    # when
    response = client.post(confirm, {"password": PASSWORD}, follow=True)

    # then
    assert names_in(response) == ["Rosalind"]
    (reveal,) = _reveals_by(diagnosis_viewer)
    assert reveal.record_ids == [str(rosalind.pk)]
    assert reveal.property_names == ["diagnosis"]
    assert reveal.details == {"purpose": "filter"}


def test_a_filter_on_a_highly_sensitive_property_needs_an_explicit_reveal_in_the_selector(
    diagnosis_viewer, rosalind, contacts_a
):
    # given a caller that did not ask for a reveal
    def search(**reveal):
        return record_selectors.record_list(
            actor=diagnosis_viewer, object_type=contacts_a, filters={"diagnosis": "asthma"}, **reveal
        )

    # then
    with pytest.raises(PermissionDenied, match="Diagnosis"):
        list(search())
    assert [record.pk for record in search(reveal=True)] == [rosalind.pk]


def test_a_filter_link_from_another_session_is_refused_with_a_message(client, tenant_a_admin, rosalind, contacts_a):
    # given a link made in one session, opened in another of the same user
    record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Bo"})
    client.force_login(tenant_a_admin)
    location = client.post(INDEX, {"f.annual_salary": "91250"})["Location"]
    other = VerifiedClient()
    other.force_login(tenant_a_admin)

    # when
    response = other.get(location)

    # then
    assert response.status_code == 200
    assert "was made in another session" in response.content.decode()
    assert sorted(names_in(response)) == ["Bo", "Rosalind"]  # not applied


def test_a_filter_link_past_the_session_lifetime_is_refused_with_a_message(
    client, tenant_a_admin, rosalind, contacts_a, monkeypatch
):
    # given a link older than the longest a session of this tenant lives
    record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Bo"})
    client.force_login(tenant_a_admin)
    location = client.post(INDEX, {"f.annual_salary": "91250"})["Location"]
    later = timezone.now() + dt.timedelta(hours=tenant_a_admin.tenant.session_max_hours, minutes=1)
    monkeypatch.setattr(security, "now", lambda: later)
    session = client.session
    for key in (SIGNED_IN_AT, LAST_SEEN_AT, CONFIRMED_AT):  # the session itself lives on, for this test
        session[key] = later.timestamp()
    session.save()

    # when
    response = client.get(location)

    # then
    assert response.status_code == 200
    assert "The filter on Annual salary has expired" in response.content.decode()
    assert sorted(names_in(response)) == ["Bo", "Rosalind"]
