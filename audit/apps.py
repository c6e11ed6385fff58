from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model
        from guardian.models import GroupObjectPermission, UserObjectPermission

        from accounts.models import Team, Tenant
        from audit.chain_keys import chain_keys_exist
        from core.master_key import wrapped_keys_check_register
        from crm.models import RecordScope

        # The chain keys are wrapped by the master key: its file missing then is a lost key.
        wrapped_keys_check_register(chain_keys_exist)

        # Field-level change history (who, when, IP, surface) of what is not a sensitive value.
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        auditlog.register(Team)
        auditlog.register(Tenant)
        auditlog.register(RecordScope)
        auditlog.register(UserObjectPermission)
        auditlog.register(GroupObjectPermission)
