import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crm.models import Association, Record


def _count(tenant, type_name):
    return Record.objects.for_tenant(tenant).filter(object_type__name=type_name).count()


def test_it_seeds_companies_contacts_deals_tickets_and_associations(tenant_a, capsys):
    call_command("seed_demo", "--tenant", "Acme", "--contacts", "200", verbosity=0)

    assert _count(tenant_a, "contacts") == 200
    assert _count(tenant_a, "companies") == 20
    assert _count(tenant_a, "deals") == 40
    assert _count(tenant_a, "tickets") == 20
    # each contact is linked to a company, each deal to a contact and a company, each ticket to a contact
    assert Association.objects.for_tenant(tenant_a).count() == 200 + 2 * 40 + 20
    contact = Record.objects.for_tenant(tenant_a).filter(object_type__name="contacts").first()
    assert contact.display_name and "@" in contact.properties["email"]
    assert "Seeded Acme: 200 contacts" in capsys.readouterr().out


def test_it_refuses_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant named 'Nowhere'"):
        call_command("seed_demo", "--tenant", "Nowhere", verbosity=0)


def test_it_refuses_a_nonsense_count(tenant_a):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_demo", "--tenant", "Acme", "--contacts", "0", verbosity=0)


def test_the_demo_command_is_idempotent_and_prints_credentials(db, capsys, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", "--contacts", "50")
    call_command("demo", "--contacts", "50")

    out = capsys.readouterr().out
    password = (tmp_path / "demo_password").read_text().strip()
    assert "admin@demo.example" in out and password in out
    assert Record.objects.filter(object_type__name="contacts").count() == 50
