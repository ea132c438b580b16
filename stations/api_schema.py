"""The OpenAPI schema class of the API (settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"])."""

from django.core.exceptions import FieldDoesNotExist

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with read-only choice fields that may be blank or null.

    DRF drops `allow_blank` and `allow_null` from the fields it makes read-only, so an output
    field of a `blank=True` model field would be documented as never empty, while responses do
    carry "" (schemathesis found it on /api/v1/areas/). The model field says what is true.
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only:
            model_field = _model_field(field)
            if model_field is not None:
                field.allow_blank = field.allow_blank or model_field.blank
                field.allow_null = field.allow_null or model_field.null
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _model_field(field):
    meta = getattr(field.parent, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
