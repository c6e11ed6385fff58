import pytest
from tests.api.conftest import HIGHLY_SENSITIVE_CONTACTS, READ_CONTACTS, SENSITIVE_CONTACTS
from tests.factories import make_record
pytestmark = pytest.mark.django_db

def test_smoke(api_for, alan, rosalind, grace, settings):
    settings.API_SEARCH_PER_SECOND = 1000
    api = api_for(HIGHLY_SENSITIVE_CONTACTS)
    for body in [
        {},
        {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "alan"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": "1000"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "NEQ", "value": "91250"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}]}], "properties": ["diagnosis", "firstname"]},
        {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "CONTAINS_TOKEN", "value": "al*"}]}, {"filters": [{"propertyName": "gov_id", "operator": "HAS_PROPERTY"}]}]},
        {"sorts": [{"propertyName": "annual_salary", "direction": "DESCENDING"}], "limit": 2},
        {"sorts": ["-createdate"], "limit": 1, "after": "1"},
        {"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "0"}]}], "query": "ros"},
        {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "IN", "values": [str(alan.number), "2.5"]}]}]},
    ]:
        r = api.post("/crm/v3/objects/contacts/search", body)
        print(r.status_code, r.data)
        assert r.status_code == 200
    for body in [
        {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "CONTAINS_TOKEN", "value": "1"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "BETWEEN", "value": "1"}]}]},
        {"limit": 201}, {"after": "-1"}, {"after": "abc"}, {"after": "10000"},
        {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": "1e30"}]}]},
    ]:
        r = api.post("/crm/v3/objects/contacts/search", body)
        assert r.status_code in (400, 200)
    api2 = api_for(READ_CONTACTS)
    r = api2.post("/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": "1"}]}]})
    print(r.status_code, r.data, dict(r.items()))
