"""Realistic demo data: companies, contacts, deals, tickets and their associations, inserted in bulk.

Faker is slow per call, so it fills small pools once and rows are drawn from them at random.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.utils import timezone
from faker import Faker

from accounts.models import User
from crm import schema, selectors, services
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import api as records_api
from crm.records import services as record_services

Progress = Callable[[int], None]
CHUNK = 5_000
PRODUCTS = ["Platform licence", "Support plan", "Onboarding", "Data migration", "Analytics add-on", "Renewal"]
TICKET_TOPICS = [
    "Cannot sign in",
    "Invoice question",
    "Export fails",
    "Feature request: %s",
    "Data looks wrong in %s",
    "Password reset",
    "Slow dashboard",
    "Import stuck",
    "Access for new colleague",
]


SENSITIVE = PropertyDefinition.Sensitivity.SENSITIVE
HIGHLY = PropertyDefinition.Sensitivity.HIGHLY_SENSITIVE
GENDERS = [("female", "Female"), ("male", "Male"), ("non_binary", "Non-binary"), ("undisclosed", "Prefer not to say")]
RESIDENCY = [
    ("citizen", "Citizen"),
    ("permanent_resident", "Permanent resident"),
    ("work_permit", "Work permit"),
    ("temporary_visa", "Temporary visa"),
    ("refugee", "Refugee or asylum seeker"),
]
HEALTH = [
    ("none", "None declared"),
    ("asthma", "Asthma"),
    ("type_1_diabetes", "Type 1 diabetes"),
    ("type_2_diabetes", "Type 2 diabetes"),
    ("hypertension", "Hypertension"),
    ("depression", "Depression"),
    ("anxiety", "Anxiety disorder"),
    ("coeliac", "Coeliac disease"),
    ("epilepsy", "Epilepsy"),
    ("migraine", "Migraine"),
]
# name, label, data type, sensitivity, searchable, options
DEMO_SENSITIVE_PROPERTIES = [
    ("gender", "Gender", "enumeration", SENSITIVE, False, GENDERS),
    ("date_of_birth", "Date of birth", "date", SENSITIVE, False, []),
    ("nationality", "Nationality", "string", SENSITIVE, False, []),
    ("residency_status", "Residency status", "enumeration", SENSITIVE, False, RESIDENCY),
    ("annual_salary", "Annual salary", "number", SENSITIVE, True, []),
    ("bank_account_last4", "Bank account (last 4 digits)", "string", SENSITIVE, False, []),
    ("government_id", "Government id number", "string", HIGHLY, False, []),
    ("health_condition", "Health condition", "enumeration", HIGHLY, True, HEALTH),
]


def demo_sensitive_properties(*, actor: User, contacts: ObjectType) -> None:
    """The kinds of sensitive data our users keep, on contacts; skips those that exist."""
    existing = set(selectors.property_definitions(object_type=contacts).values_list("name", flat=True))
    for position, (name, label, data_type, sensitivity, searchable, options) in enumerate(DEMO_SENSITIVE_PROPERTIES):
        if name in existing:
            continue
        definition = services.property_definition_create(
            actor=actor,
            object_type=contacts,
            name=name,
            label=label,
            data_type=data_type,
            options=[{"value": value, "label": text} for value, text in options],
            sensitivity=sensitivity,
            searchable=searchable,
            group="Sensitive information",
        )
        definition.position = 50 + position
        definition.save(update_fields=["position"])


class _Pools:
    def __init__(self, seed: int) -> None:
        fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "nl_NL"])
        fake.seed_instance(seed)
        self.first_names = [fake.first_name() for _ in range(400)]
        self.last_names = [fake.last_name() for _ in range(600)]
        self.company_names = list({fake.company() for _ in range(800)})
        self.phones = [fake.phone_number() for _ in range(500)]
        self.nationalities = [fake.country() for _ in range(150)]


def _slug(text: str) -> str:
    kept = "".join(ch.lower() for ch in text if ch.isascii() and ch.isalnum())
    return kept[:30] or "company"


def demo_seed(*, actor: User, contacts: int, seed: int = 7, progress: Progress | None = None) -> dict[str, int]:
    """Add `contacts` contacts with companies (1 per 10), deals (1 per 5) and tickets (1 per 10)."""
    progress = progress or (lambda n: None)
    rng = random.Random(seed + Record.objects.for_tenant(actor.tenant_id).count())
    pools = _Pools(seed)
    owners = list(User.objects.people().filter(tenant_id=actor.tenant_id, is_active=True)) or [actor]
    types = {t.name: t for t in selectors.object_type_list(actor=actor)}
    demo_sensitive_properties(actor=actor, contacts=types["contacts"])
    today = timezone.localdate()
    counts = {"contacts": 0, "companies": 0, "deals": 0, "tickets": 0, "associations": 0}

    companies = _create(
        actor, types["companies"], [_company(rng, pools) for _ in range(max(1, contacts // 10))], owners, rng
    )
    counts["companies"] = len(companies)
    stage_names = [name for name, *_ in schema.DEAL_STAGES]
    for start in range(0, contacts, CHUNK):
        size = min(CHUNK, contacts - start)
        employers = [rng.choice(companies) for _ in range(size)]
        rows = [{**_contact(rng, pools, employer), **_sensitive(rng, pools, today)} for employer in employers]
        people = _create(actor, types["contacts"], rows, owners, rng)
        links = list(zip(people, employers, strict=True))

        deal_rows, deal_links = [], []
        for person, employer in rng.sample(links, k=size // 5):
            deal_rows.append(_deal(rng, employer, stage_names, today))
            deal_links.append((person, employer))
        deals = _create(actor, types["deals"], deal_rows, owners, rng)
        for deal, (person, employer) in zip(deals, deal_links, strict=True):
            links += [(deal, person), (deal, employer)]

        ticket_people = rng.sample(people, k=size // 10)
        tickets = _create(actor, types["tickets"], [_ticket(rng, pools) for _ in ticket_people], owners, rng)
        links += list(zip(tickets, ticket_people, strict=True))

        counts["associations"] += record_services.associations_bulk_create(actor=actor, pairs=links)
        counts["contacts"] += len(people)
        counts["deals"] += len(deals)
        counts["tickets"] += len(tickets)
        progress(size)
    return counts


def _create(actor, object_type, rows, owners, rng) -> list[Record]:
    return records_api.records_write_bulk(
        actor=actor, object_type=object_type, rows=rows, owners=[rng.choice(owners) for _ in rows]
    )


def _company(rng: random.Random, pools: _Pools) -> dict:
    name = rng.choice(pools.company_names)
    return {"name": name, "domain": f"{_slug(name)}.{rng.choice(['com', 'io', 'co.uk', 'de', 'fr', 'nl'])}"}


def _contact(rng: random.Random, pools: _Pools, employer: Record) -> dict:
    first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
    domain = employer.properties.get("domain", "example.com")
    return {
        "firstname": first,
        "lastname": last,
        "email": f"{_slug(first)}.{_slug(last)}{rng.randint(1, 9999)}@{domain}",
        "phone": rng.choice(pools.phones),
        "lifecyclestage": rng.choice(schema.LIFECYCLE_STAGES)[0],
    }


def _sensitive(rng: random.Random, pools: _Pools, today: dt.date) -> dict:
    age_days = rng.randint(18 * 365, 80 * 365)
    return {
        "gender": rng.choices(GENDERS, weights=[48, 48, 2, 2])[0][0],
        "date_of_birth": (today - dt.timedelta(days=age_days)).isoformat(),
        "nationality": rng.choice(pools.nationalities),
        "residency_status": rng.choices(RESIDENCY, weights=[70, 15, 8, 5, 2])[0][0],
        "annual_salary": rng.randrange(18_000, 250_000, 500),
        "bank_account_last4": f"{rng.randint(0, 9999):04d}",
        "government_id": f"{rng.randint(100, 899):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
        "health_condition": rng.choices(HEALTH, weights=[60, 8, 2, 6, 8, 6, 5, 2, 1, 2])[0][0],
    }


def _deal(rng: random.Random, employer: Record, stage_names: list[str], today: dt.date) -> dict:
    return {
        "dealname": f"{employer.properties['name']} - {rng.choice(PRODUCTS)}",
        "amount": rng.randrange(500, 250_000, 50),
        "dealstage": rng.choice(stage_names),
        "closedate": (today + dt.timedelta(days=rng.randint(-180, 180))).isoformat(),
    }


def _ticket(rng: random.Random, pools: _Pools) -> dict:
    topic = rng.choice(TICKET_TOPICS)
    return {
        "subject": topic % rng.choice(["reports", "lists", "the API", "exports"]) if "%s" in topic else topic,
        "status": rng.choice(schema.TICKET_STATUSES)[0],
        "priority": rng.choice(schema.TICKET_PRIORITIES)[0],
    }


DEMO_TEAMS = {"Sales": ["sam.sales", "sue.sales"], "Support": ["tom.support"], "People Ops": ["hana.hr"]}


def demo_people(*, actor: User, domain: str, password: str) -> list[User]:
    """Teams and members for trying permissions out; skips what exists."""
    from accounts import services as account_services
    from accounts.models import Team

    created = []
    for team_name, handles in DEMO_TEAMS.items():
        team = Team.objects.for_tenant(actor.tenant_id).filter(name=team_name).first()
        if team is None:
            team = account_services.team_create(actor=actor, name=team_name)
        for handle in handles:
            email = f"{handle}@{domain}"
            user = User.objects.filter(email=email).first()
            if user is None:
                first, last = handle.split(".")
                user = account_services.user_create(
                    actor=actor, email=email, password=password, first_name=first.title(), last_name=last.title()
                )
                created.append(user)
            account_services.team_member_add(actor=actor, team=team, user=user)
    return created
