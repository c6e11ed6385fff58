from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from core import master_key
        from webhooks import signals  # noqa: F401 - connects the receivers

        # Signing secrets are sealed with the master key: a missing key file is then a lost key.
        master_key.wrapped_keys_check_register(_secrets_exist)


def _secrets_exist() -> bool:
    from webhooks.models import WebhookSettings

    return WebhookSettings.objects.exclude(secret_sealed=b"").exists()
