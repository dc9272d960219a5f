"""BentoML's ``/docs.json`` is OpenAPI 3.0.2, but the FastAPI routes mounted in it bring JSON Schema 2020-12
(OpenAPI 3.1) schemas: ``{"type": "null"}`` in ``anyOf``, numeric ``exclusiveMinimum``, ``const``, ``examples``.
``openapi30`` writes those the 3.0 way, so the document validates as what it says it is (and clients generated
from it, schemathesis included, read it right). Pure: a document in, a new document out.
"""

from __future__ import annotations

from typing import Any

NULL = {"type": "null"}


def openapi30(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with every schema (under a ``schema`` key, or in ``components.schemas``) in OpenAPI 3.0 form."""
    out: dict[str, Any] = _walk(doc)
    return out


def _walk(node: Any) -> Any:
    if isinstance(node, list):
        return [_walk(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "schema":
            out[k] = _schema(v)
        elif k == "schemas" and isinstance(v, dict):
            out[k] = {name: _schema(x) for name, x in v.items()}
        else:
            out[k] = _walk(v)
    return out


SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
SUBSCHEMA = ("items", "not", "additionalProperties")


def _schema(s: Any) -> Any:
    """One schema object in 3.0 form (recursively)."""
    if not isinstance(s, dict):
        return s
    s = dict(s)
    for key in SUBSCHEMA_LISTS:
        if key in s and isinstance(s[key], list):
            options = s[key]
            if key != "allOf" and NULL in options:
                options = [o for o in options if o != NULL]
                s["nullable"] = True
            options = [_schema(o) for o in options]
            if len(options) == 1 and key != "allOf":
                del s[key]
                rest = options[0]
                if "$ref" in rest:
                    s["allOf"] = [rest]  # a $ref ignores siblings in 3.0: wrap it so nullable applies
                else:
                    s = {**rest, **s}
            else:
                s[key] = options
    for key in SUBSCHEMA:
        if isinstance(s.get(key), dict):
            s[key] = _schema(s[key])
    if isinstance(s.get("properties"), dict):
        s["properties"] = {k: _schema(v) for k, v in s["properties"].items()}
    if isinstance(s.get("type"), list):  # ["string", "null"]
        kinds = [t for t in s["type"] if t != "null"]
        if len(kinds) < len(s["type"]):
            s["nullable"] = True
        s["type"] = kinds[0] if len(kinds) == 1 else s["type"]
    if s.get("type") == "null":  # a field that is always null
        del s["type"]
        s["nullable"] = True
        s["enum"] = [None]
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = s.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            s[plain] = value
            s[bound] = True
    if "const" in s:
        s["enum"] = [s.pop("const")]
    if isinstance(s.get("examples"), list):
        examples = s.pop("examples")
        if examples:
            s.setdefault("example", examples[0])
    return s
