"""BentoML's document declares OpenAPI 3.0.2: the FastAPI schemas mounted in it are written the 3.0 way."""

from __future__ import annotations

from typing import Any

from serving.openapi import openapi30


def schema_doc(schema: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.2", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {"S": schema}}}


def converted(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = openapi30(schema_doc(schema))["components"]["schemas"]["S"]
    return out


def test_nullable_fields_bounds_consts_and_examples_are_written_the_30_way() -> None:
    s = converted({"type": "object", "properties": {
        "lines": {"anyOf": [{"type": "array", "items": {"type": "integer", "exclusiveMinimum": 0}}, {"type": "null"}]},
        "ref": {"anyOf": [{"$ref": "#/components/schemas/S"}, {"type": "null"}]},
        "kind": {"const": "order", "examples": ["order"]},
        "raw": {"type": "null"},
        "both": {"type": ["string", "null"]},
    }})
    p = s["properties"]
    assert p["lines"] == {"type": "array", "items": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                          "nullable": True}
    assert p["ref"] == {"allOf": [{"$ref": "#/components/schemas/S"}], "nullable": True}
    assert p["kind"] == {"enum": ["order"], "example": "order"}
    assert p["raw"] == {"nullable": True, "enum": [None]}
    assert p["both"] == {"type": "string", "nullable": True}


def test_the_service_document_validates_as_openapi_30() -> None:
    from openapi_spec_validator import validate

    from serving.service import Ordex

    validate(openapi30(Ordex.openapi_spec.asdict()))  # type: ignore[attr-defined]
