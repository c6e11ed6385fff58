from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from crm import models

        # Record.properties holds only non-sensitive values, so its diff is safe to keep.
        auditlog.register(models.Record)
        auditlog.register(models.PropertyDefinition)
        auditlog.register(models.ObjectType)
        auditlog.register(models.Association)
