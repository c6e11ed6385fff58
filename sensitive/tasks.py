"""Background jobs of the sensitive core. They carry ids only, never values (ARCHITECTURE.md rule 5)."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def property_values_encrypt_task(self, property_id: str) -> int:
    # Imported here to keep Celery's module loading free of model imports.
    from crm.models import PropertyDefinition
    from sensitive.services import property_values_encrypt

    definition = PropertyDefinition.objects.filter(pk=property_id).first()
    if definition is None:
        return 0
    return property_values_encrypt(definition=definition)


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def property_values_decrypt_task(self, property_id: str) -> int:
    from crm.models import PropertyDefinition
    from sensitive.services import property_values_decrypt

    definition = PropertyDefinition.objects.filter(pk=property_id).first()
    if definition is None:
        return 0
    return property_values_decrypt(definition=definition)
