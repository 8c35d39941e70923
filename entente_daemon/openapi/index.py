"""Building the operation index (`entente_daemon.openapi.model`) from a bundled document.

What the index cannot interpret at all (``paths`` that is not a mapping, a path item or
operation that is not a mapping, duplicate operationIds) is a `SpecError`; what it can skip
or patch up is a `SpecWarning` (source ``"index"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi import swagger2
from entente_daemon.openapi.errors import SpecWarning, display_path, kind_of
from entente_daemon.openapi.locate import Locator
from entente_daemon.openapi.model import (
    HTTP_METHODS,
    Example,
    Header,
    MediaType,
    Operation,
    Parameter,
    RequestBody,
    Response,
    SecurityRequirement,
    Server,
)
from entente_daemon.openapi.refs import DocumentRefs
from entente_daemon.openapi.servers import ROOT_SERVER, parse_servers, swagger2_server

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")
_LOCATIONS = ("path", "query", "header", "cookie")


def template_variables(template: str) -> list[str]:
    """The variable names in a path template, in order: ``/a/{x}/{y}.{z}`` → x, y, z."""
    return _TEMPLATE_VARIABLE.findall(template)


def synthesise_operation_id(method: str, template: str) -> str:
    """A readable id for an operation without one: ``GET /castles/{id}`` → ``get_castles_id``,
    ``GET /`` → ``get_root``, ``GET /files/{name}.{ext}`` → ``get_files_name_ext``."""
    words = [method.lower()]
    for segment in template.split("/"):
        word = _NOT_WORD.sub("_", segment).strip("_")
        if word:
            words.append(word)
    if len(words) == 1:
        words.append("root")
    return "_".join(words)


@dataclass
class Index:
    operations: tuple[Operation, ...]
    servers: tuple[Server, ...]
    warnings: list[SpecWarning]


def build_index(
    document: dict[str, Any], version: str, refs: DocumentRefs, locator: Locator
) -> Index:
    return _IndexBuilder(document, version, refs, locator).build()


class _IndexBuilder:
    def __init__(
        self, document: dict[str, Any], version: str, refs: DocumentRefs, locator: Locator
    ) -> None:
        self.document = document
        self.version = version
        self.refs = refs
        self.locator = locator
        self.warnings: list[SpecWarning] = []

    def warn(self, message: str, pointer: str) -> None:
        self.warnings.append(self.locator.warning(message, pointer, "index"))

    # -- document level ----------------------------------------------------------------------

    def build(self) -> Index:
        if self.version == "2.0":
            servers: tuple[Server, ...] = (swagger2_server(self.document),)
        else:
            servers = parse_servers(self.document.get("servers")) or (ROOT_SERVER,)
        paths = self.document.get("paths")
        if paths is None:
            if self.version == "3.1" and (
                "webhooks" in self.document or "components" in self.document
            ):
                self.warn("no 'paths': the spec has no operations to serve", "")
                return Index((), servers, self.warnings)
            raise self.locator.error(
                "no 'paths': an OpenAPI document needs a 'paths' mapping of URL path "
                "templates to path items",
                "",
            )
        if not isinstance(paths, dict):
            raise self.locator.error(
                f"'paths' must be a mapping of URL path templates (like /castles) to path "
                f"items, not {kind_of(paths)}",
                "/paths",
            )
        operations: list[Operation] = []
        for template, item in paths.items():
            if template.startswith("x-"):
                continue
            where = jp.join("/paths", template)
            if not template.startswith("/"):
                raise self.locator.error(
                    f"path {template!r} must start with '/' (e.g. '/{template}')", where
                )
            operations.extend(self._path_item(template, item, where, servers))
        return Index(self._assign_ids(operations), servers, self.warnings)

    def _assign_ids(self, operations: list[Operation]) -> tuple[Operation, ...]:
        owners: dict[str, Operation] = {}
        for operation in operations:
            if operation.operation_id_synthesised:
                continue
            first = owners.get(operation.operation_id)
            if first is not None:
                where = display_path(first.file) + (f":{first.line}" if first.line else "")
                raise self.locator.error(
                    f"duplicate operationId {operation.operation_id!r}: also used by "
                    f"{first.method} {first.path} ({where}); operationIds must be unique",
                    jp.join(operation.pointer, "operationId"),
                )
            owners[operation.operation_id] = operation
        used = set(owners)
        result: list[Operation] = []
        for operation in operations:
            if operation.operation_id_synthesised:
                base = operation.operation_id
                candidate, n = base, 2
                while candidate in used:
                    candidate, n = f"{base}_{n}", n + 1
                used.add(candidate)
                if candidate != base:
                    operation = _replace_id(operation, candidate)
            result.append(operation)
        return tuple(result)

    # -- path items and operations ------------------------------------------------------------

    def _path_item(
        self, template: str, raw_item: Any, where: str, servers: tuple[Server, ...]
    ) -> list[Operation]:
        item, item_at = self.refs.deref_at(raw_item, where)
        if item is None:
            return []
        if not isinstance(item, dict):
            raise self.locator.error(
                f"a path item must be a mapping of HTTP methods to operations, not {kind_of(item)}",
                where,
            )
        path_servers = parse_servers(item.get("servers")) if self.version != "2.0" else None
        shared = self._raw_parameters(item.get("parameters"), jp.join(item_at, "parameters"))
        found: list[Operation] = []
        for method, raw_op in item.items():  # in document order
            if method not in HTTP_METHODS or (method == "trace" and self.version == "2.0"):
                continue
            op_at = jp.join(item_at, method)
            if not isinstance(raw_op, dict):
                raise self.locator.error(
                    f"an operation must be a mapping (with 'responses'...), not {kind_of(raw_op)}",
                    op_at,
                )
            op_servers = parse_servers(raw_op.get("servers")) if self.version != "2.0" else None
            found.append(
                self._operation(
                    method,
                    template,
                    raw_op,
                    op_at,
                    shared,
                    op_servers or path_servers or servers,
                    item,
                )
            )
        return found

    def _operation(
        self,
        method: str,
        template: str,
        raw: dict[str, Any],
        at: str,
        shared: list[tuple[dict[str, Any], str]],
        servers: tuple[Server, ...],
        item: dict[str, Any],
    ) -> Operation:
        merged = self._merge_parameters(
            shared, self._raw_parameters(raw.get("parameters"), jp.join(at, "parameters"))
        )
        if self.version == "2.0":
            parameters, body = swagger2.parameters(merged, raw, self.document)
        else:
            parameters = [self._parameter(raw, where) for raw, where in merged]
            body = self._request_body(raw.get("requestBody"), jp.join(at, "requestBody"))
        parameters = self._add_undeclared_path_parameters(template, parameters)

        raw_responses = raw.get("responses")
        if isinstance(raw_responses, dict):
            if self.version == "2.0":
                responses = swagger2.responses(
                    raw_responses,
                    jp.join(at, "responses"),
                    raw,
                    self.document,
                    self.refs.deref_at,
                )
            else:
                responses = self._responses(raw_responses, jp.join(at, "responses"))
        else:
            if raw_responses is not None:
                self.warn("'responses' is not a mapping; ignored", jp.join(at, "responses"))
            responses = {}

        operation_id = raw.get("operationId")
        synthesised = not (isinstance(operation_id, str) and operation_id.strip())
        if synthesised:
            if operation_id is not None:
                self.warn("operationId is empty or not a string; one is made up", at)
            operation_id = synthesise_operation_id(method, template)

        file, line, _column, _pointer = self.locator.locate(at)
        tags = raw.get("tags")
        return Operation(
            method=method.upper(),
            path=template,
            operation_id=str(operation_id),
            operation_id_synthesised=synthesised,
            summary=_text(raw.get("summary")) or _text(item.get("summary")),
            description=_text(raw.get("description")) or _text(item.get("description")),
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            deprecated=bool(raw.get("deprecated", False)),
            parameters=tuple(parameters),
            request_body=body,
            responses=responses,
            security=self._security(raw),
            servers=servers,
            pointer=at,
            file=file,
            line=line,
        )

    def _security(self, raw: dict[str, Any]) -> tuple[SecurityRequirement, ...] | None:
        value = raw.get("security", self.document.get("security"))
        if not isinstance(value, list):
            return None
        requirements: list[SecurityRequirement] = []
        for requirement in value:
            if isinstance(requirement, dict):
                requirements.append(
                    {
                        str(name): tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()
                        for name, scopes in requirement.items()
                    }
                )
        return tuple(requirements)

    # -- parameters -------------------------------------------------------------------------

    def _raw_parameters(self, raw: Any, at: str) -> list[tuple[dict[str, Any], str]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.warn(f"'parameters' must be a list, not {kind_of(raw)}; ignored", at)
            return []
        found: list[tuple[dict[str, Any], str]] = []
        for index, entry in enumerate(raw):
            value, where = self.refs.deref_at(entry, jp.join(at, index))
            locations = ("body", "formData", "query", "header", "path")
            allowed = locations if self.version == "2.0" else _LOCATIONS
            if not (
                isinstance(value, dict)
                and isinstance(value.get("name"), str)
                and value.get("in") in allowed
            ):
                self.warn(
                    f"parameter ignored: it needs a 'name' and 'in' ({', '.join(allowed)})",
                    jp.join(at, index),
                )
                continue
            found.append((value, where))
        return found

    @staticmethod
    def _merge_parameters(
        shared: list[tuple[dict[str, Any], str]], own: list[tuple[dict[str, Any], str]]
    ) -> list[tuple[dict[str, Any], str]]:
        def key(raw: dict[str, Any]) -> tuple[str, str]:
            name, location = str(raw["name"]), str(raw["in"])
            return (name.lower(), location) if location == "header" else (name, location)

        merged = {key(raw): (raw, where) for raw, where in shared}
        for raw, where in own:
            merged[key(raw)] = (raw, where)  # replaces in place, or appends
        return list(merged.values())

    def _parameter(self, raw: dict[str, Any], at: str) -> Parameter:
        location = raw["in"]
        style = raw.get("style")
        if not isinstance(style, str):
            style = "form" if location in ("query", "cookie") else "simple"
        explode = raw.get("explode")
        return Parameter(
            name=raw["name"],
            location=location,
            required=True if location == "path" else bool(raw.get("required", False)),
            schema=raw.get("schema"),
            style=style,
            explode=explode if isinstance(explode, bool) else style == "form",
            description=_text(raw.get("description")),
            deprecated=bool(raw.get("deprecated", False)),
            allow_empty_value=bool(raw.get("allowEmptyValue", False)),
            allow_reserved=bool(raw.get("allowReserved", False)),
            example=Example(raw["example"]) if "example" in raw else None,
            examples=self._examples(raw.get("examples"), jp.join(at, "examples")),
            content=self._content(raw.get("content"), jp.join(at, "content")),
            pointer=at,
        )

    def _add_undeclared_path_parameters(
        self, template: str, parameters: list[Parameter]
    ) -> list[Parameter]:
        declared = {p.name for p in parameters if p.location == "path"}
        for name in template_variables(template):
            if name not in declared:
                declared.add(name)
                parameters.append(
                    Parameter(
                        name=name,
                        location="path",
                        required=True,
                        schema={"type": "string"},
                        style="simple",
                        explode=False,
                        declared=False,
                    )
                )
        return parameters

    # -- bodies and responses ---------------------------------------------------------------

    def _request_body(self, raw: Any, at: str) -> RequestBody | None:
        if raw is None:
            return None
        raw, where = self.refs.deref_at(raw, at)
        if not isinstance(raw, dict):
            self.warn(f"requestBody must be a mapping, not {kind_of(raw)}; ignored", at)
            return None
        return RequestBody(
            required=bool(raw.get("required", False)),
            description=_text(raw.get("description")),
            content=self._content(raw.get("content"), jp.join(where, "content")),
            pointer=where,
        )

    def _responses(self, raw: dict[str, Any], at: str) -> dict[str, Response]:
        found: dict[str, Response] = {}
        for status, entry in raw.items():
            if status.startswith("x-"):
                continue
            value, where = self.refs.deref_at(entry, jp.join(at, status))
            if not isinstance(value, dict):
                self.warn(f"response {status} is not a mapping; ignored", jp.join(at, status))
                continue
            key = status if status == "default" else status.upper()
            found[key] = Response(
                status=key,
                description=str(value.get("description", "")),
                content=self._content(value.get("content"), jp.join(where, "content")),
                headers=self._headers(value.get("headers"), jp.join(where, "headers")),
                pointer=where,
            )
        return found

    def _headers(self, raw: Any, at: str) -> dict[str, Header]:
        found: dict[str, Header] = {}
        if not isinstance(raw, dict):
            return found
        for name, entry in raw.items():
            value, where = self.refs.deref_at(entry, jp.join(at, name))
            if not isinstance(value, dict):
                continue
            explode = value.get("explode")
            found[name] = Header(
                name=name,
                required=bool(value.get("required", False)),
                schema=value.get("schema"),
                description=_text(value.get("description")),
                deprecated=bool(value.get("deprecated", False)),
                explode=explode if isinstance(explode, bool) else False,
                example=Example(value["example"]) if "example" in value else None,
                examples=self._examples(value.get("examples"), jp.join(where, "examples")),
                content=self._content(value.get("content"), jp.join(where, "content")),
                pointer=where,
            )
        return found

    def _content(self, raw: Any, at: str) -> dict[str, MediaType]:
        found: dict[str, MediaType] = {}
        if not isinstance(raw, dict):
            return found
        for media_type, entry in raw.items():
            value, where = self.refs.deref_at(entry, jp.join(at, media_type))
            if not isinstance(value, dict):
                continue
            encoding = value.get("encoding")
            found[media_type] = MediaType(
                media_type=media_type,
                schema=value.get("schema"),
                example=Example(value["example"]) if "example" in value else None,
                examples=self._examples(value.get("examples"), jp.join(where, "examples")),
                encoding=encoding if isinstance(encoding, dict) else {},
                pointer=where,
            )
        return found

    def _examples(self, raw: Any, at: str) -> dict[str, Example]:
        found: dict[str, Example] = {}
        if not isinstance(raw, dict):
            return found
        for name, entry in raw.items():
            value, _where = self.refs.deref_at(entry, jp.join(at, name))
            if isinstance(value, dict):
                found[name] = Example(
                    value=value.get("value"),
                    summary=_text(value.get("summary")),
                    description=_text(value.get("description")),
                    external_value=_text(value.get("externalValue")),
                )
        return found


def _replace_id(operation: Operation, operation_id: str) -> Operation:
    return replace(operation, operation_id=operation_id)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
