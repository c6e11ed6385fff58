"""The scope matrix: every API call, with and without each scope it needs.

A call's needs are a list of requirements, each met by any one of its scopes (a sensitive tier is
met by its own scope or the highly sensitive one). With one scope of each requirement the call is
not refused; without the scopes of one requirement it is a 403 MISSING_SCOPES naming them. Reads
of a sensitive value are not refused: the value is named in `restrictedProperties` instead (the
table READS). The allowlist narrows the sensitive scopes to the properties it names (ALLOWLIST).

Adding an endpoint is one line in CALLS. Calls whose endpoint has not landed yet skip, naming it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from crm import selectors
from crm import services as schema_services
from tests.api.conftest import ApiClient
from tests.api.routes import require_landed
from tests.factories import make_record

pytestmark = pytest.mark.django_db

C, CO, D = "crm.objects.contacts", "crm.objects.companies", "crm.objects.deals"
CU = "crm.objects.custom"


def tiers(family: str, access: str):
    """The requirements of a family's plain, sensitive and highly sensitive tier for `access`."""
    return (
        (f"{family}.{access}",),
        (f"{family}.sensitive.{access}", f"{family}.highly_sensitive.{access}"),
        (f"{family}.highly_sensitive.{access}",),
    )


C_READ, C_SENSITIVE_READ, C_HIGHLY_READ = tiers(C, "read")
C_WRITE, C_SENSITIVE_WRITE, C_HIGHLY_WRITE = tiers(C, "write")
CO_READ, D_READ = tiers(CO, "read")[0], tiers(D, "read")[0]
LINKS = "/crm/v4/objects/contacts/{alan}/associations"
S_READ, S_WRITE = ("crm.schemas.contacts.read",), ("crm.schemas.contacts.write",)
CU_SCHEMA_READ, CU_SCHEMA_WRITE = ("crm.schemas.custom.read",), ("crm.schemas.custom.write",)
NEW_PROPERTY = {
    "name": "shoe_size",
    "label": "Shoe size",
    "type": "number",
    "fieldType": "number",
    "groupName": "contactinformation",
}
VIN = {"name": "vin", "label": "VIN", "type": "string", "fieldType": "text"}
NEW_SCHEMA = {
    "name": "cars",
    "labels": {"singular": "Car", "plural": "Cars"},
    "primaryDisplayProperty": "model",
    "requiredProperties": ["model"],
    "properties": [{"name": "model", "label": "Model", "type": "string", "fieldType": "text"}],
    "associatedObjects": ["CONTACT"],
}
UNRELATED = "crm.lists.read"  # a token needs one scope: this one opens nothing below


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # {alan}, {rosalind}, {company}, {deal}, {ticket}, {pet}, {owner}: their numeric ids
    body: dict | list | None
    needs: tuple[tuple[str, ...], ...]
    answer: int = 0  # what the call answers with its scopes, when it is not a 2xx

    def __str__(self) -> str:
        shown = f"{self.method.upper()} {self.path}"
        return shown + (f" {json.dumps(self.body)[:60]}" if self.body else "")


def search(prop: str, operator: str = "EQ", value: str = "1", sort: str | None = None) -> dict:
    body = {"filterGroups": [{"filters": [{"propertyName": prop, "operator": operator, "value": value}]}]}
    if sort:
        body["sorts"] = [{"propertyName": sort, "direction": "ASCENDING"}]
    return body


CALLS = [
    # objects
    Call("get", "/crm/v3/objects/contacts/{alan}", None, (C_READ,)),
    Call("get", "/crm/v3/objects/0-1/{alan}", None, (C_READ,)),
    Call("get", "/crm/v3/objects/companies/{company}", None, (CO_READ,)),
    Call("get", "/crm/v3/objects/deals/{deal}", None, (D_READ,)),
    Call("get", "/crm/v3/objects/tickets/{ticket}", None, (("tickets",),)),
    Call("get", "/crm/v3/objects/pets/{pet}", None, (tiers(CU, "read")[0],)),
    Call("get", "/crm/v3/objects/contacts", None, (C_READ,)),
    Call("post", "/crm/v3/objects/contacts", {"properties": {"firstname": "Nia"}}, (C_WRITE,)),
    Call("post", "/crm/v3/objects/contacts", {"properties": {"annual_salary": "1"}}, (C_WRITE, C_SENSITIVE_WRITE)),
    Call("post", "/crm/v3/objects/contacts", {"properties": {"diagnosis": "asthma"}}, (C_WRITE, C_HIGHLY_WRITE)),
    Call("patch", "/crm/v3/objects/contacts/{alan}", {"properties": {"lastname": "T"}}, (C_WRITE,)),
    Call("patch", "/crm/v3/objects/contacts/{alan}", {"properties": {"gov_id": "1"}}, (C_WRITE, C_HIGHLY_WRITE)),
    Call("delete", "/crm/v3/objects/contacts/{alan}", None, (C_WRITE,)),
    Call("post", "/crm/v3/objects/pets", {"properties": {"name": "Rex"}}, (tiers(CU, "write")[0],)),
    # batch
    Call("post", "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": "{alan}"}]}, (C_READ,)),
    Call("post", "/crm/v3/objects/contacts/batch/create", {"inputs": [{"properties": {"firstname": "B"}}]}, (C_WRITE,)),
    Call(
        "post",
        "/crm/v3/objects/contacts/batch/update",
        {"inputs": [{"id": "{alan}", "properties": {"annual_salary": "2"}}]},
        (C_WRITE, C_SENSITIVE_WRITE),
    ),
    Call("post", "/crm/v3/objects/contacts/batch/archive", {"inputs": [{"id": "{alan}"}]}, (C_WRITE,)),
    # search: filters and sorts on a sensitive property need its tier's read scope
    Call("post", "/crm/v3/objects/contacts/search", search("firstname", value="Alan"), (C_READ,)),
    Call("post", "/crm/v3/objects/contacts/search", search("annual_salary", "GT"), (C_READ, C_SENSITIVE_READ)),
    Call("post", "/crm/v3/objects/contacts/search", search("diagnosis", value="asthma"), (C_READ, C_HIGHLY_READ)),
    Call(
        "post", "/crm/v3/objects/contacts/search", search("firstname", sort="annual_salary"), (C_READ, C_SENSITIVE_READ)
    ),
    # properties (every call and tier in detail: test_properties_scopes.py)
    Call("get", "/crm/v3/properties/contacts", None, (S_READ,)),
    Call("get", "/crm/v3/properties/contacts/firstname", None, (S_READ,)),
    Call("get", "/crm/v3/properties/contacts/annual_salary", None, (S_READ, C_SENSITIVE_READ)),
    Call("get", "/crm/v3/properties/contacts/gov_id", None, (S_READ, C_HIGHLY_READ)),
    Call("post", "/crm/v3/properties/contacts", NEW_PROPERTY, (S_WRITE,)),
    Call(
        "post",
        "/crm/v3/properties/contacts",
        {**NEW_PROPERTY, "dataSensitivity": "sensitive"},
        (S_WRITE, C_SENSITIVE_WRITE),
    ),
    Call("patch", "/crm/v3/properties/contacts/annual_salary", {"label": "Pay"}, (S_WRITE, C_SENSITIVE_WRITE)),
    Call("get", "/crm/v3/properties/pets", None, (("crm.schemas.custom.read",),)),
    # schemas
    Call("get", "/crm/v3/schemas", None, (CU_SCHEMA_READ,)),
    Call("get", "/crm-object-schemas/v3/schemas", None, (CU_SCHEMA_READ,)),
    Call("get", "/crm/v3/schemas/pets", None, (CU_SCHEMA_READ,)),
    Call("get", "/crm/v3/schemas/contacts", None, (S_READ,)),
    Call("post", "/crm/v3/schemas", NEW_SCHEMA, (CU_SCHEMA_WRITE,)),
    Call(
        "post",
        "/crm/v3/schemas",
        {**NEW_SCHEMA, "properties": [*NEW_SCHEMA["properties"], {**VIN, "dataSensitivity": "sensitive"}]},
        (CU_SCHEMA_WRITE, tiers(CU, "write")[1]),
    ),
    Call("patch", "/crm/v3/schemas/pets", {"labels": {"singular": "Pet", "plural": "Pets"}}, (CU_SCHEMA_WRITE,)),
    Call("delete", "/crm/v3/schemas/pets", None, (CU_SCHEMA_WRITE,), answer=400),  # it has a record: kept
    # owners
    Call("get", "/crm/v3/owners", None, (("crm.objects.owners.read",),)),
    Call("get", "/crm/v3/owners/{owner}", None, (("crm.objects.owners.read",),)),
    # v4 associations: writes need the write scope of the "from" type and the read scope of the other
    Call("put", f"{LINKS}/default/companies/{{company}}", None, (C_WRITE, CO_READ)),
    Call(
        "put",
        f"{LINKS}/companies/{{company}}",
        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
        (C_WRITE, CO_READ),
    ),
    Call("delete", f"{LINKS}/companies/{{company}}", None, (C_WRITE, CO_READ)),
    Call("get", f"{LINKS}/companies", None, (C_READ, CO_READ)),
    Call(
        "post", "/crm/v4/associations/contacts/companies/batch/read", {"inputs": [{"id": "{alan}"}]}, (C_READ, CO_READ)
    ),
    Call("get", "/crm/v4/associations/contacts/companies/labels", None, (C_READ, CO_READ)),
    Call("get", "/crm/v4/objects/companies/{company}/associations/deals", None, (CO_READ, D_READ)),
]


@pytest.fixture
def ids(request, tenant_a_admin, contacts_a, salary, diagnosis, gov_id) -> dict[str, str]:
    """Numeric ids for the placeholders a call's path or body uses; each record made only when used."""

    def pet():
        pets = schema_services.object_type_create(
            actor=tenant_a_admin, name="pets", label_singular="Pet", label_plural="Pets"
        )
        return make_record(tenant_a_admin, pets, name="Rex")

    def of(type_name: str, **values):
        object_type = selectors.object_type_list(actor=tenant_a_admin).get(name=type_name)
        return lambda: make_record(tenant_a_admin, object_type, **values)

    makers = {
        "alan": lambda: request.getfixturevalue("alan"),
        "rosalind": lambda: request.getfixturevalue("rosalind"),
        "company": of("companies", name="Acme Labs"),
        "deal": of("deals", dealname="Renewal"),
        "ticket": of("tickets", subject="Broken login"),
        "pet": pet,
        "owner": lambda: tenant_a_admin,
    }

    class Lazy(dict):
        def __missing__(self, key):
            self[key] = str(makers[key]().number)
            return self[key]

    return Lazy()


def fill(text: str, ids) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], text)


def send(api: ApiClient, call: Call, ids):
    if "/pets" in call.path:
        ids["pet"]  # the custom object type exists before a call names it
    path = fill(call.path, ids)
    require_landed(call.method, path)
    body = json.loads(fill(json.dumps(call.body), ids)) if call.body is not None else None
    if call.method == "get":
        return api.get(path)
    return getattr(api, call.method)(path, body)


def assert_not_refused(response, call: Call) -> None:
    """Not refused, and answered as a valid call (a 2xx, or the answer the table says)."""
    ok = response.status_code == call.answer if call.answer else 200 <= response.status_code < 300
    assert ok, (response.status_code, response.data)


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_with_the_scopes_it_needs_a_call_is_not_refused(api_for, ids, call):
    api = api_for([need[0] for need in call.needs])
    assert_not_refused(send(api, call, ids), call)


ALTERNATIVES = [
    (call, index, alternative) for call in CALLS for index, need in enumerate(call.needs) for alternative in need[1:]
]


@pytest.mark.parametrize(("call", "index", "alternative"), ALTERNATIVES, ids=str)
def test_the_highly_sensitive_scope_stands_in_for_the_sensitive_one(api_for, ids, call, index, alternative):
    scopes = [alternative if position == index else need[0] for position, need in enumerate(call.needs)]
    assert_not_refused(send(api_for(scopes), call, ids), call)


WITHOUT_ONE = [(call, index) for call in CALLS for index in range(len(call.needs))]


@pytest.mark.parametrize(("call", "index"), WITHOUT_ONE, ids=str)
def test_without_a_scope_it_needs_a_call_is_a_403_naming_it(api_for, ids, call, index):
    # given a token with every scope the call needs but those of one requirement
    missing = call.needs[index]
    scopes = [need[0] for position, need in enumerate(call.needs) if position != index and need[0] not in missing]
    api = api_for(scopes or [UNRELATED])

    # when it makes the call
    response = send(api, call, ids)

    # then it is refused in HubSpot's shape, naming a scope that would do
    assert response.status_code == 403, (response.status_code, response.data)
    assert response.data["category"] == "MISSING_SCOPES"
    named = {scope for item in response.data.get("errors", []) for scope in item["context"]["requiredGranularScopes"]}
    assert missing[0] in named, named


# --- reads of sensitive values: restricted, not refused ---

READS = [
    ("annual_salary", (C_READ,), (C_READ, C_SENSITIVE_READ)),
    ("annual_salary", (C_READ,), (C_READ, C_HIGHLY_READ)),
    ("diagnosis", (C_READ, C_SENSITIVE_READ), (C_READ, C_HIGHLY_READ)),
]


@pytest.mark.parametrize(("prop", "without", "with_"), READS, ids=lambda value: str(value)[:40])
def test_a_sensitive_value_is_read_only_with_its_tiers_scope(api_for, rosalind, prop, without, with_):
    url = f"/crm/v3/objects/contacts/{rosalind.number}?properties={prop}"
    restricted = api_for([need[0] for need in without]).get(url)
    assert restricted.status_code == 200
    assert prop in restricted.data["restrictedProperties"] and prop not in restricted.data["properties"]
    allowed = api_for([need[0] for need in with_]).get(url)
    assert allowed.data["properties"][prop] and "restrictedProperties" not in allowed.data


def test_the_v2_spelling_of_a_sensitive_scope_reads_like_the_scope(api_for, rosalind):
    api = api_for(["crm.objects.contacts.read", "crm.objects.contacts.sensitive.read.v2"])
    body = api.get(f"/crm/v3/objects/contacts/{rosalind.number}?properties=annual_salary").data
    assert body["properties"]["annual_salary"] == "91250"


# --- the allowlist: the sensitive scopes open only the properties it names ---

ALLOWLIST = ["contacts.annual_salary"]


def test_the_allowlist_restricts_reads_of_other_sensitive_properties(api_for, rosalind):
    api = api_for([C_READ[0], C_HIGHLY_READ[0]], sensitive_allowlist=ALLOWLIST)
    body = api.get(f"/crm/v3/objects/contacts/{rosalind.number}?properties=annual_salary,diagnosis").data
    assert body["properties"]["annual_salary"] == "91250"
    assert body["restrictedProperties"] == ["diagnosis"]


@pytest.mark.parametrize(
    "call",
    [
        Call("patch", "/crm/v3/objects/contacts/{rosalind}", {"properties": {"diagnosis": "diabetes"}}, ()),
        Call("post", "/crm/v3/objects/contacts", {"properties": {"diagnosis": "asthma"}}, ()),
        Call("post", "/crm/v3/objects/contacts/search", search("diagnosis", value="asthma"), ()),
    ],
    ids=str,
)
def test_the_allowlist_refuses_writes_and_filters_on_other_sensitive_properties(api_for, ids, call):
    scopes = [C_READ[0], C_WRITE[0], C_HIGHLY_READ[0], C_HIGHLY_WRITE[0]]
    response = send(api_for(scopes, sensitive_allowlist=ALLOWLIST), call, ids)
    assert response.status_code == 403, (response.status_code, response.data)
    assert response.data["category"] == "MISSING_SCOPES"
    assert "diagnosis" in json.dumps(response.data)  # names the property, never its value
    assert "asthma" not in json.dumps(response.data) and "diabetes" not in json.dumps(response.data)
