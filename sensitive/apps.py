from django.apps import AppConfig


class SensitiveConfig(AppConfig):
    name = "sensitive"

    def ready(self) -> None:
        from core.master_key import wrapped_keys_check_register
        from sensitive.keys import tenant_keys_exist

        wrapped_keys_check_register(tenant_keys_exist)
