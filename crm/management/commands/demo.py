"""Everything `make demo` needs: a Demo tenant, people, data, and the credentials to sign in."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from accounts.mfa import enrolment_of
from accounts.models import Tenant, User
from config.env import local_secret_file
from crm.demo import demo_people
from crm.models import Record

DEMO_TENANT = "Demo"
DEMO_DOMAIN = "demo.example"


class Command(BaseCommand):
    help = "Create the Demo tenant with a super admin, teams and demo data if absent, and print how to sign in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--contacts", type=int, default=2_000)

    def handle(self, *args, contacts: int, **options) -> None:
        # A random password kept in var/ rather than a default that ships with the code.
        password = local_secret_file(settings.VAR_DIR / "demo_password", length=12)
        admin_email = f"admin@{DEMO_DOMAIN}"
        tenant = Tenant.objects.filter(name=DEMO_TENANT).first()
        if tenant is None:
            tenant, _ = account_services.tenant_create(
                name=DEMO_TENANT, admin_email=admin_email, admin_password=password
            )
        admin = User.objects.get(email=admin_email)
        device = TOTPDevice.objects.filter(user=admin, confirmed=True).first()
        if device is None:
            # The demo has sensitive data, so it needs MFA: the admin's authenticator secret is printed below.
            device = TOTPDevice.objects.create(user=admin, name="Demo authenticator", confirmed=True)
        enrolment = enrolment_of(device)
        demo_people(actor=admin, domain=DEMO_DOMAIN, password=password)
        if not Record.objects.for_tenant(tenant).exists():
            call_command("seed_demo", tenant=DEMO_TENANT, contacts=contacts, stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("The demo CRM is ready."))
        self.stdout.write("  Sign in at:  http://127.0.0.1:8000/accounts/login/")
        self.stdout.write(f"  Super admin: {admin_email}")
        self.stdout.write(f"  Password:    {password}   (kept in var/demo_password)")
        self.stdout.write("  Two-factor:  add this account to an authenticator app, then type its 6-digit code:")
        self.stdout.write(f"               secret {enrolment.secret}")
        self.stdout.write(f"               {enrolment.uri}")
        self.stdout.write(f"               (or compute a code: .venv/bin/python -m accounts.totp {enrolment.secret})")
        self.stdout.write(
            f"  Team members (same password; they set up two-factor when they first sign in): "
            f"sam.sales@{DEMO_DOMAIN}, tom.support@{DEMO_DOMAIN}, hana.hr@{DEMO_DOMAIN}"
        )
        self.stdout.write("  Django admin: http://127.0.0.1:8000/admin/")
