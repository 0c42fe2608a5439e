"""The OpenAPI schema says what the server does, errors included (checked by schemathesis).

drf-spectacular documents the successful answer of each operation; this adds:
- the error answers every operation can give, with their bodies: 400 (a field -> messages map,
  or `detail` for a body that is not JSON), 401 (no or a wrong token), 403 (no permission),
  404 (no such object, or a page past the end), 429 (over the rate, with Retry-After);
- `additionalProperties: false` on request bodies, because the server refuses unknown fields
  (customers/api/views.py), so a mistyped field is a 400, not silently dropped;
- `minItems` for lists that may not be empty.
"""

import zoneinfo

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from customers.api.serializers import validate_time_zone
from postsale.api_filters import NUMBER_LIMIT


class ErrorDetail(serializers.Serializer):
    """One message for the whole request."""

    detail = serializers.CharField()


class ValidationErrors(serializers.Serializer):
    """What was wrong, by field: each field of the body or query names a list of messages (a
    nested object names its own fields); `non_field_errors` is about the body as a whole, and
    `detail` about a body that could not be read."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    detail = serializers.CharField(required=False)


ERRORS = {
    "400": (ValidationErrors, "The request is not valid: the body says what to change."),
    "401": (ErrorDetail, "No credentials, or not valid ones."),
    "403": (ErrorDetail, "The credentials do not allow this."),
    "404": (ErrorDetail, "No such object (or, on a list, no such page)."),
    "429": (ErrorDetail, "Too many requests: retry after the seconds in Retry-After."),
}


class PostsaleAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        lists_or_objects = "{" in self.path or self.method == "GET"
        for code, (serializer, description) in ERRORS.items():
            if code in responses or (code == "404" and not lists_or_objects):
                continue
            responses[code] = {
                "content": {
                    "application/json": {"schema": self.resolve_serializer(serializer, "response").ref}
                },
                "description": description,
            }
            if code == "429":
                responses[code]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                }
        return responses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and not isinstance(serializer, (ErrorDetail, ValidationErrors)):
            schema["additionalProperties"] = False
        elif isinstance(serializer, ValidationErrors) or serializer is ValidationErrors:
            schema["additionalProperties"] = {}
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and schema and validate_time_zone in getattr(field, "validators", ()):
            schema["enum"] = ["", *sorted(zoneinfo.available_timezones())]  # what the validator takes
        if direction == "request" and schema and isinstance(field, serializers.DecimalField):
            schema["pattern"] = decimal_pattern(field)
        if direction == "response" and schema and _blank_model_choice(field):
            schema["enum"] = [*schema.get("enum", []), ""]  # a stored "" (none chosen) comes back
        if (
            direction == "request"
            and schema
            and schema.get("type") == "array"
            and getattr(field, "allow_empty", True) is False
        ):
            schema.setdefault("minItems", 1)
        return schema


def decimal_pattern(field) -> str:
    """What DecimalField takes as text (drf-spectacular's pattern lets "-" or "." through)."""
    whole = field.max_digits - field.decimal_places if field.max_digits else None
    places = field.decimal_places
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    digits = rf"\d{{1,{whole}}}" if whole else r"\d+"
    if not places:
        return rf"^{sign}{digits}$"
    return rf"^{sign}(?:{digits}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"


def _blank_model_choice(field) -> bool:
    """A choice field of a model whose column may hold "" (blank=True)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if not isinstance(field, serializers.ChoiceField) or model is None or "." in (field.source or ""):
        return False
    try:
        return model._meta.get_field(field.source).blank
    except Exception:  # noqa: BLE001 - not a model field
        return False


def bound_number_parameters(result, generator, request, public):
    """Number filters (ids) say the range they take (postsale/api_filters.py); empty values are refused
    (postsale/api_filters.py), so typed parameters do not allow them."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "number":
                    schema.setdefault("minimum", -NUMBER_LIMIT)
                    schema.setdefault("maximum", NUMBER_LIMIT)
    return result
