from django.apps import AppConfig


class SensitiveConfig(AppConfig):
    name = "sensitive"
