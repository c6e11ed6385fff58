from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import invitations
from accounts.models import User
from core.exceptions import validation_error_text


class Command(BaseCommand):
    help = (
        "Email a new sign-up link to a user who has not set a password yet (e.g. a tenant's first super admin "
        "whose link expired); earlier links of theirs stop working."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        try:
            invitations.invitation_create(actor=None, user=user)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(validation_error_text(exc) if isinstance(exc, ValidationError) else str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Emailed {user.email} a new link to set their password (valid {settings.INVITATION_HOURS} hours)."
            )
        )
