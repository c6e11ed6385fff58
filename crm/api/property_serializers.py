"""Bodies of the properties, schemas and owners APIs, with HubSpot's component names.

Input serializers validate what clients send (types, lengths, required fields); the mapping to our
data model is in crm/api/property_io.py. Output serializers only document the answers for the
OpenAPI schema: the views build those bodies themselves.
"""

from __future__ import annotations

from rest_framework import serializers

from crm.api import openapi

SENSITIVITIES = ["non_sensitive", "sensitive", "highly_sensitive"]
MAX_INT = 2_147_483_647


class OptionInput(serializers.Serializer):
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    value = serializers.CharField(max_length=200)
    displayOrder = serializers.IntegerField(required=False, min_value=-1, max_value=MAX_INT)
    hidden = serializers.BooleanField(required=False, default=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class _PropertyFields(serializers.Serializer):
    label = serializers.CharField(max_length=100)
    type = serializers.CharField(max_length=40)
    fieldType = serializers.CharField(max_length=40)
    groupName = serializers.CharField(max_length=63)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    options = OptionInput(many=True, required=False)
    displayOrder = serializers.IntegerField(required=False, min_value=-1, max_value=MAX_INT)
    hidden = serializers.BooleanField(required=False, default=False)
    formField = serializers.BooleanField(required=False)
    dataSensitivity = serializers.ChoiceField(SENSITIVITIES, required=False)
    calculationFormula = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    externalOptions = serializers.BooleanField(required=False, default=False)


class PropertyCreate(_PropertyFields):
    name = serializers.CharField(max_length=63)
    hasUniqueValue = serializers.BooleanField(required=False, default=False)
    searchableInGlobalSearch = serializers.BooleanField(required=False, default=False)
    referencedObjectType = serializers.CharField(max_length=63, required=False, allow_blank=True)


class PropertyUpdate(_PropertyFields):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ObjectTypePropertyCreate(PropertyCreate):
    """A property of a new schema: as PropertyCreate, its group optional."""

    groupName = serializers.CharField(max_length=63, required=False, allow_blank=True)


class Option(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    displayOrder = serializers.IntegerField()
    hidden = serializers.BooleanField()


class PropertyModificationMetadata(serializers.Serializer):
    archivable = serializers.BooleanField()
    readOnlyDefinition = serializers.BooleanField()
    readOnlyValue = serializers.BooleanField()
    readOnlyOptions = serializers.BooleanField()


class Property(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    fieldType = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    groupName = serializers.CharField(allow_blank=True)
    options = Option(many=True)
    displayOrder = serializers.IntegerField()
    calculated = serializers.BooleanField()
    externalOptions = serializers.BooleanField()
    hasUniqueValue = serializers.BooleanField()
    hidden = serializers.BooleanField()
    hubspotDefined = serializers.BooleanField()
    formField = serializers.BooleanField()
    dataSensitivity = serializers.ChoiceField(SENSITIVITIES)
    searchableInGlobalSearch = serializers.BooleanField(required=False)
    modificationMetadata = PropertyModificationMetadata()
    createdAt = serializers.DateTimeField(allow_null=True)
    updatedAt = serializers.DateTimeField(allow_null=True)
    archived = serializers.BooleanField()
    archivedAt = serializers.DateTimeField(required=False)


class CollectionResponsePropertyNoPaging(serializers.Serializer):
    results = Property(many=True)


class PropertyName(serializers.Serializer):
    name = serializers.CharField(max_length=63)


class BatchReadInputPropertyName(serializers.Serializer):
    inputs = PropertyName(many=True, max_length=100)
    archived = serializers.BooleanField(required=False, default=False)
    dataSensitivity = serializers.ChoiceField(SENSITIVITIES, required=False, default="non_sensitive")


class BatchInputPropertyName(serializers.Serializer):
    inputs = PropertyName(many=True, max_length=100)


class BatchInputPropertyCreate(serializers.Serializer):
    # Items are validated one by one (PropertyCreate), so that one bad input doesn't refuse the others.
    inputs = serializers.ListField(child=serializers.JSONField(), max_length=100)


class PropertyBatchError(serializers.Serializer):
    status = serializers.CharField()
    category = serializers.CharField()
    message = serializers.CharField()
    errors = openapi.ErrorDetail(many=True)
    context = serializers.DictField()


class BatchResponseProperty(serializers.Serializer):
    status = serializers.CharField()
    results = Property(many=True)
    startedAt = serializers.DateTimeField()
    completedAt = serializers.DateTimeField()
    numErrors = serializers.IntegerField(required=False)
    errors = PropertyBatchError(many=True, required=False)


class PropertyGroupCreate(serializers.Serializer):
    name = serializers.CharField(max_length=63)
    label = serializers.CharField(max_length=100)
    displayOrder = serializers.IntegerField(required=False, min_value=-1, max_value=MAX_INT)


class PropertyGroupUpdate(serializers.Serializer):
    label = serializers.CharField(max_length=100, required=False)
    displayOrder = serializers.IntegerField(required=False, min_value=-1, max_value=MAX_INT)


class PropertyGroup(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    displayOrder = serializers.IntegerField()
    archived = serializers.BooleanField()


class CollectionResponsePropertyGroupNoPaging(serializers.Serializer):
    results = PropertyGroup(many=True)


class ObjectTypeDefinitionLabels(serializers.Serializer):
    singular = serializers.CharField(max_length=100)
    plural = serializers.CharField(max_length=100)


class ObjectTypeDefinitionLabelsPatch(ObjectTypeDefinitionLabels):
    singular = serializers.CharField(max_length=100, required=False)
    plural = serializers.CharField(max_length=100, required=False)


class ObjectSchemaEgg(serializers.Serializer):
    name = serializers.CharField(max_length=63)
    labels = ObjectTypeDefinitionLabels()
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    primaryDisplayProperty = serializers.CharField(max_length=63, required=False)
    secondaryDisplayProperties = serializers.ListField(
        child=serializers.CharField(max_length=63), required=False, max_length=20
    )
    requiredProperties = serializers.ListField(child=serializers.CharField(max_length=63), max_length=500)
    searchableProperties = serializers.ListField(
        child=serializers.CharField(max_length=63), required=False, max_length=500
    )
    properties = ObjectTypePropertyCreate(many=True, max_length=500)
    associatedObjects = serializers.ListField(child=serializers.CharField(max_length=63), max_length=100)


class ObjectTypeDefinitionPatch(serializers.Serializer):
    labels = ObjectTypeDefinitionLabelsPatch(required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    clearDescription = serializers.BooleanField(required=False, default=False)
    primaryDisplayProperty = serializers.CharField(max_length=63, required=False)
    secondaryDisplayProperties = serializers.ListField(
        child=serializers.CharField(max_length=63), required=False, max_length=20
    )
    requiredProperties = serializers.ListField(
        child=serializers.CharField(max_length=63), required=False, max_length=500
    )
    searchableProperties = serializers.ListField(
        child=serializers.CharField(max_length=63), required=False, max_length=500
    )
    restorable = serializers.BooleanField(required=False)


class AssociationDefinition(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fromObjectTypeId = serializers.CharField()
    toObjectTypeId = serializers.CharField()


class ObjectSchema(serializers.Serializer):
    id = serializers.CharField()
    objectTypeId = serializers.CharField()
    name = serializers.CharField()
    fullyQualifiedName = serializers.CharField()
    labels = ObjectTypeDefinitionLabels()
    description = serializers.CharField(allow_blank=True)
    primaryDisplayProperty = serializers.CharField(allow_null=True)
    secondaryDisplayProperties = serializers.ListField(child=serializers.CharField())
    requiredProperties = serializers.ListField(child=serializers.CharField())
    searchableProperties = serializers.ListField(child=serializers.CharField())
    properties = Property(many=True)
    associations = AssociationDefinition(many=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    archived = serializers.BooleanField()


class CollectionResponseObjectSchemaNoPaging(serializers.Serializer):
    results = ObjectSchema(many=True)


class PublicTeam(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    primary = serializers.BooleanField()


class PublicOwner(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.CharField()
    type = serializers.ChoiceField(["PERSON", "QUEUE"])
    firstName = serializers.CharField(allow_blank=True)
    lastName = serializers.CharField(allow_blank=True)
    userId = serializers.IntegerField()
    userIdIncludingInactive = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    archived = serializers.BooleanField()
    teams = PublicTeam(many=True)


class OwnersNextPage(serializers.Serializer):
    after = serializers.CharField()
    link = serializers.CharField()


class OwnersPaging(serializers.Serializer):
    next = OwnersNextPage()


class CollectionResponsePublicOwnerForwardPaging(serializers.Serializer):
    results = PublicOwner(many=True)
    paging = OwnersPaging(required=False)
