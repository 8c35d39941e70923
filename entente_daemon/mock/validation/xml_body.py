"""XML request bodies read into the JSON shape their schema describes, so that the same
schema validation applies to them as to JSON bodies.

OpenAPI's XML mapping: a property is the child element of its name (``xml.name`` renames it,
``xml.attribute`` makes it an attribute); an array is its repeated item elements, inside a
wrapper element of the property's name when ``xml.wrapped`` is true; text is converted to the
schema's scalar type when it can be (``<complete></complete>`` stays a string, which the
``boolean`` schema then refuses). Namespaces are ignored (local names are compared).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from xml.etree import ElementTree

Deref = Callable[[Any], Any]
_MAX_DEPTH = 32


def xml_instance(element: ElementTree.Element, schema: Any, deref: Deref) -> Any:
    """The value ``element`` stands for under ``schema``."""
    return _value(element, schema, deref, 0)


def _value(element: ElementTree.Element, schema: Any, deref: Deref, depth: int) -> Any:
    schema = _flatten(schema, deref)
    kind = _kind(schema)
    if depth > _MAX_DEPTH:
        return element.text or ""
    if kind == "object":
        text = (element.text or "").strip()
        if text and len(element) == 0:
            return text  # text where elements belong: the schema refuses a string
        return _object(element, schema, deref, depth)
    if kind == "array":
        items = schema.get("items", {})
        return [_value(child, items, deref, depth + 1) for child in element]
    return _scalar(element.text or "", kind)


def _object(
    element: ElementTree.Element, schema: Mapping[str, Any], deref: Deref, depth: int
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {_local(child.tag): child.text or "" for child in element}
    for name, raw in properties.items():
        prop = _flatten(raw, deref)
        xml = _xml(prop)
        tag = str(xml.get("name", name))
        if xml.get("attribute"):
            found = next((v for k, v in element.attrib.items() if _local(k) == tag), None)
            if found is not None:
                result[name] = _scalar(found, _kind(prop))
            continue
        if _kind(prop) == "array":
            items = _flatten(prop.get("items", {}), deref)
            item_tag = str(_xml(items).get("name", tag))
            holder = _child(element, tag) if xml.get("wrapped") else element
            if holder is None:
                continue
            children = [child for child in holder if _local(child.tag) == item_tag]
            if children or xml.get("wrapped"):
                result[name] = [_value(child, items, deref, depth + 1) for child in children]
            continue
        child = _child(element, tag)
        if child is not None:
            result[name] = _value(child, prop, deref, depth + 1)
    return result


def _xml(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    xml = schema.get("xml")
    return xml if isinstance(xml, Mapping) else {}


def _flatten(schema: Any, deref: Deref) -> dict[str, Any]:
    """The schema with ``$ref`` followed and ``allOf`` parts' properties merged in."""
    schema = deref(schema)
    if not isinstance(schema, Mapping):
        return {}
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return dict(schema)
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    for part in parts:
        flat = _flatten(part, deref)
        properties.update(flat.get("properties") or {})
        for key, value in flat.items():
            merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    return merged


def _kind(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _scalar(text: str, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _child(element: ElementTree.Element, tag: str) -> ElementTree.Element | None:
    return next((child for child in element if _local(child.tag) == tag), None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
