"""Comparing one operation with its new version: parameters, body, responses, security."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from entente_daemon.diff.catalogue import SCHEMA_PLACES
from entente_daemon.diff.changes import Side
from entente_daemon.diff.emit import Emitter, Place
from entente_daemon.diff.schemas import Finding, SchemaComparer
from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.model import MediaType, Operation, Parameter, SecurityRequirement
from entente_daemon.openapi.spec import Spec


def schema_pointer(spec: Spec, media: MediaType) -> str:
    """Where a media type's schema is: 2.0's index points at the schema itself."""
    return media.pointer if spec.openapi_version == "2.0" else jp.join(media.pointer, "schema")


def _parameter_schema(spec: Spec, parameter: Parameter) -> tuple[Any, str]:
    if parameter.schema is not None:
        at = parameter.pointer if spec.openapi_version == "2.0" else parameter.pointer + "/schema"
        return parameter.schema, at
    for media in parameter.content.values():
        return media.schema, schema_pointer(spec, media)
    return None, parameter.pointer


def _media_key(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


class OperationComparer:
    def __init__(self, emitter: Emitter, schemas: SchemaComparer) -> None:
        self.out = emitter
        self.schemas = schemas
        self.old_spec = emitter.old
        self.new_spec = emitter.new

    def compare(self, old: Operation, new: Operation, renames: dict[str, str]) -> None:
        place = Place(path=new.path, method=new.method.lower())
        op_at = new.pointer
        if (
            old.operation_id != new.operation_id
            and not old.operation_id_synthesised
            and not new.operation_id_synthesised
        ):
            self.out.emit(
                "operation-id-changed",
                place,
                f"operationId {old.operation_id!r} → {new.operation_id!r}",
                spec_pointer=jp.join(op_at, "operationId"),
                old=old.operation_id,
                new=new.operation_id,
            )
        if new.deprecated and not old.deprecated:
            self.out.emit(
                "operation-deprecated",
                place,
                "deprecated",
                spec_pointer=jp.join(op_at, "deprecated"),
            )
        for old_name, new_name in renames.items():
            self.out.emit(
                "request-path-parameter-renamed",
                replace(place, parameter=f"path:{new_name}"),
                f"path parameter {old_name!r} renamed {new_name!r}",
                spec_pointer=new.pointer,
                old=old_name,
                new=new_name,
            )
        self._parameters(old, new, renames, place)
        self._body(old, new, place)
        self._responses(old, new, place)
        self._security(old, new, place)

    # -- schemas -----------------------------------------------------------------------------

    def schema(
        self,
        old: tuple[Any, str],
        new: tuple[Any, str],
        side: Side,
        place: Place,
        kind_place: str,
    ) -> None:
        """Compare two schemas and emit what they found; ``kind_place`` is the rule prefix
        (``request-parameter``, ``request-body``...): body findings below the root become
        ``request-property``/``response-property``."""
        if old[0] is None or new[0] is None:
            return
        for finding in self.schemas.compare(old, new, side):
            self.finding(finding, side, place, kind_place)

    def finding(self, finding: Finding, side: Side, place: Place, kind_place: str) -> None:
        prefix = kind_place
        kind = finding.kind
        if kind.startswith("property-"):
            prefix, kind = f"{side.value}-property", kind[len("property-") :]
        elif kind_place.endswith("-body") and finding.pointer:
            prefix = f"{side.value}-property"
        assert prefix in SCHEMA_PLACES or prefix.endswith("-property")
        self.out.emit(
            f"{prefix}-{kind}",
            place,
            finding.detail,
            spec_pointer=finding.old_spec_pointer if finding.gone else finding.spec_pointer,
            pointer=finding.pointer,
            gone=finding.gone,
            old=finding.old,
            new=finding.new,
        )

    # -- parameters --------------------------------------------------------------------------

    def _parameters(
        self, old: Operation, new: Operation, renames: dict[str, str], place: Place
    ) -> None:
        def key(p: Parameter, rename: bool) -> tuple[str, str]:
            name = renames.get(p.name, p.name) if rename and p.location == "path" else p.name
            return (name.lower(), p.location) if p.location == "header" else (name, p.location)

        old_params = {key(p, True): p for p in old.parameters}
        new_params = {key(p, False): p for p in new.parameters}
        new_by_name = {p.name.lower(): p for p in new.parameters}
        moved: set[tuple[str, str]] = set()
        for k, before in old_params.items():
            here = replace(place, parameter=f"{before.location}:{before.name}")
            after = new_params.get(k)
            if after is None:
                other = new_by_name.get(before.name.lower())
                if other is not None and key(other, False) not in old_params:
                    moved.add(key(other, False))
                    self.out.emit(
                        "request-parameter-moved",
                        replace(place, parameter=f"{other.location}:{other.name}"),
                        f"{before.name!r} moved from {before.location} to {other.location}",
                        spec_pointer=other.pointer,
                        old=before.location,
                        new=other.location,
                    )
                else:
                    self.out.emit(
                        "request-parameter-removed",
                        here,
                        f"{before.location} parameter {before.name!r} removed",
                        spec_pointer=before.pointer,
                        gone=True,
                    )
                continue
            here = replace(place, parameter=f"{after.location}:{after.name}")
            if after.required and not before.required:
                self.out.emit(
                    "request-parameter-became-required",
                    here,
                    "became required",
                    spec_pointer=after.pointer,
                )
            elif before.required and not after.required:
                self.out.emit(
                    "request-parameter-became-optional",
                    here,
                    "became optional",
                    spec_pointer=after.pointer,
                )
            if before.style != after.style:
                self.out.emit(
                    "request-parameter-style-changed",
                    here,
                    f"style {before.style} → {after.style}",
                    spec_pointer=after.pointer,
                    old=before.style,
                    new=after.style,
                )
            if before.explode != after.explode:
                self.out.emit(
                    "request-parameter-explode-changed",
                    here,
                    f"explode {before.explode} → {after.explode}",
                    spec_pointer=after.pointer,
                    old=before.explode,
                    new=after.explode,
                )
            self.schema(
                _parameter_schema(self.old_spec, before),
                _parameter_schema(self.new_spec, after),
                Side.REQUEST,
                here,
                "request-parameter",
            )
        for k, after in new_params.items():
            if k in old_params or k in moved:
                continue
            here = replace(place, parameter=f"{after.location}:{after.name}")
            rule_id = (
                "request-parameter-added-required" if after.required else "request-parameter-added"
            )
            what = "required" if after.required else "optional"
            self.out.emit(
                rule_id,
                here,
                f"new {what} {after.location} parameter {after.name!r}",
                spec_pointer=after.pointer,
            )

    # -- request body ------------------------------------------------------------------------

    def _body(self, old: Operation, new: Operation, place: Place) -> None:
        before, after = old.request_body, new.request_body
        if before is None and after is None:
            return
        if before is None:
            assert after is not None
            self.out.emit(
                "request-body-added-required" if after.required else "request-body-added",
                place,
                "a required request body was added"
                if after.required
                else "a request body was added",
                spec_pointer=after.pointer,
            )
            return
        if after is None:
            self.out.emit(
                "request-body-removed",
                place,
                "request body removed",
                spec_pointer=before.pointer,
                gone=True,
            )
            return
        if after.required and not before.required:
            self.out.emit(
                "request-body-became-required",
                place,
                "request body became required",
                spec_pointer=after.pointer,
            )
        elif before.required and not after.required:
            self.out.emit(
                "request-body-became-optional",
                place,
                "request body became optional",
                spec_pointer=after.pointer,
            )
        self._content(
            before.content,
            after.content,
            place,
            Side.REQUEST,
            (
                "request-body-media-type-removed",
                "no longer accepted",
                "request-body-media-type-added",
                "now accepted",
            ),
        )

    def _content(
        self,
        before: dict[str, MediaType],
        after: dict[str, MediaType],
        place: Place,
        side: Side,
        rules: tuple[str, str, str, str],
    ) -> None:
        """A body's media types, old against new (matched without parameters such as
        ``charset``): each one gone or added is a change, each kept has its schema compared.
        ``rules``: (rule for a removed type, what it now is, rule for an added one, what it
        now is)."""
        removed_rule, removed_said, added_rule, added_said = rules
        new_media = {_media_key(k): v for k, v in after.items()}
        old_keys = set()
        for media_type, media in before.items():
            mkey = _media_key(media_type)
            old_keys.add(mkey)
            here = replace(place, media_type=media_type)
            match = new_media.get(mkey)
            if match is None:
                self.out.emit(
                    removed_rule,
                    here,
                    f"{media_type} {removed_said}",
                    spec_pointer=media.pointer,
                    gone=True,
                )
                continue
            self.schema(
                (media.schema, schema_pointer(self.old_spec, media)),
                (match.schema, schema_pointer(self.new_spec, match)),
                side,
                here,
                "request-body" if side is Side.REQUEST else "response-body",
            )
        for mkey, media in new_media.items():
            if mkey not in old_keys:
                self.out.emit(
                    added_rule,
                    replace(place, media_type=media.media_type),
                    f"{media.media_type} {added_said}",
                    spec_pointer=media.pointer,
                )

    # -- responses ---------------------------------------------------------------------------

    def _responses(self, old: Operation, new: Operation, place: Place) -> None:
        for status, before in old.responses.items():
            here = replace(place, status=status)
            success = status.startswith("2")
            after = new.responses.get(status)
            if after is None:
                self.out.emit(
                    "response-success-status-removed"
                    if success
                    else "response-non-success-status-removed",
                    here,
                    f"status {status} removed",
                    spec_pointer=before.pointer,
                    gone=True,
                )
                continue
            self._headers(before.headers, after.headers, here)
            self._content(
                before.content,
                after.content,
                here,
                Side.RESPONSE,
                (
                    "response-media-type-removed",
                    "no longer produced",
                    "response-media-type-added",
                    "may now be produced",
                ),
            )
        for status, after in new.responses.items():
            if status not in old.responses:
                success = status.startswith("2")
                self.out.emit(
                    "response-success-status-added"
                    if success
                    else "response-non-success-status-added",
                    replace(place, status=status),
                    f"new status {status}",
                    spec_pointer=after.pointer,
                )

    def _headers(self, old: dict[str, Any], new: dict[str, Any], place: Place) -> None:
        new_by_key = {name.lower(): header for name, header in new.items()}
        old_keys = set()
        for name, before in old.items():
            old_keys.add(name.lower())
            after = new_by_key.get(name.lower())
            here = replace(place, parameter=f"header:{name}")
            if after is None:
                self.out.emit(
                    "response-required-header-removed"
                    if before.required
                    else "response-optional-header-removed",
                    here,
                    f"header {name!r} removed",
                    spec_pointer=before.pointer,
                    gone=True,
                )
                continue
            if before.required and not after.required:
                self.out.emit(
                    "response-header-became-optional",
                    here,
                    f"header {name!r} became optional",
                    spec_pointer=after.pointer,
                )
            if before.schema is not None and after.schema is not None:
                self.schema(
                    (before.schema, _header_schema_at(self.old_spec, before.pointer)),
                    (after.schema, _header_schema_at(self.new_spec, after.pointer)),
                    Side.RESPONSE,
                    here,
                    "response-header",
                )
        for key, after in new_by_key.items():
            if key not in old_keys:
                self.out.emit(
                    "response-header-added",
                    replace(place, parameter=f"header:{after.name}"),
                    f"new header {after.name!r}",
                    spec_pointer=after.pointer,
                )

    # -- security ----------------------------------------------------------------------------

    def _security(self, old: Operation, new: Operation, place: Place) -> None:
        before = _alternatives(old.security)
        after = _alternatives(new.security)
        if before == after:
            return
        at = (
            jp.join(new.pointer, "security")
            if "security" in _raw(self.new_spec, new)
            else "/security"
        )
        anonymous_before = any(not alt for alt in before)
        anonymous_after = any(not alt for alt in after)
        if anonymous_before and not anonymous_after:
            self.out.emit(
                "security-added",
                place,
                f"now needs credentials: {_fmt_security(after)}",
                spec_pointer=at,
                new=_fmt_security(after),
            )
            return
        if anonymous_after and not anonymous_before:
            self.out.emit("security-removed", place, "no longer needs credentials", spec_pointer=at)
            return
        for alt in before:
            if any(_satisfies(alt, candidate) for candidate in after):
                continue
            same_schemes = [c for c in after if set(c) == set(alt)]
            if same_schemes:
                extra = sorted(
                    set().union(*(set(c[s]) - set(alt[s]) for c in same_schemes for s in c))
                )
                self.out.emit(
                    "security-scope-added",
                    place,
                    f"{_fmt_security([alt])} now needs scopes {extra}",
                    spec_pointer=at,
                    old=_fmt_security([alt]),
                    new=_fmt_security(same_schemes),
                )
            else:
                self.out.emit(
                    "security-requirement-tightened",
                    place,
                    f"{_fmt_security([alt])} no longer accepted; now {_fmt_security(after)}",
                    spec_pointer=at,
                    old=_fmt_security([alt]),
                    new=_fmt_security(after),
                )


def _header_schema_at(spec: Spec, header_pointer: str) -> str:
    return header_pointer if spec.openapi_version == "2.0" else jp.join(header_pointer, "schema")


def _raw(spec: Spec, operation: Operation) -> dict[str, Any]:
    try:
        node = jp.resolve(spec.document, operation.pointer)
    except jp.PointerError:
        return {}
    return node if isinstance(node, dict) else {}


Alternative = dict[str, frozenset[str]]


def _alternatives(security: tuple[SecurityRequirement, ...] | None) -> list[Alternative]:
    if not security:
        return [{}]  # nothing said, or explicitly none: anyone may call
    return [{name: frozenset(scopes) for name, scopes in alt.items()} for alt in security]


def _satisfies(held: Alternative, required: Alternative) -> bool:
    """Do the credentials of ``held`` meet ``required``?"""
    return all(name in held and scopes <= held[name] for name, scopes in required.items())


def _fmt_security(alternatives: list[Alternative]) -> str:
    def one(alt: Alternative) -> str:
        if not alt:
            return "none"
        return " and ".join(
            f"{name}[{', '.join(sorted(scopes))}]" if scopes else name
            for name, scopes in sorted(alt.items())
        )

    return " or ".join(one(alt) for alt in alternatives)
