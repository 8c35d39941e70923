"""Format checks for OpenAPI schemas that really check.

jsonschema checks some formats only when optional packages are installed (``hostname`` needs
``fqdn``, ``uri`` needs ``rfc3987``, ``date-time`` needs ``rfc3339-validator``), checks
``email`` (and ``idn-email``) only for an ``@``, ``idn-hostname`` without the UTS #46 mapping
(so ``Bücher.example`` is refused) and ``time`` in the draft-3 form. Those checks are replaced
here by ones that need nothing but ``idna``; OpenAPI's own formats (``int32``, ``int64``,
``float``, ``double``, ``byte``, ``password``) come from openapi-schema-validator.
"""

from __future__ import annotations

import binascii
import functools
import ipaddress
import re
from base64 import b64decode
from datetime import date, datetime
from typing import Literal
from urllib.parse import urlsplit

import idna
from jsonschema import FormatChecker
from openapi_schema_validator._format import oas30_format_checker, oas31_format_checker

#: Which set of OpenAPI formats applies: 3.0's (also Swagger 2.0's) or 3.1's.
FormatDialect = Literal["3.0", "3.1"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or _EMAIL.fullmatch(value) is not None


def is_hostname(value: object) -> bool:
    """RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens."""
    if not isinstance(value, str):
        return True
    name = value[:-1] if value.endswith(".") else value
    if not name or len(name) > 253:
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in name.split("."))


def is_idn_hostname(value: object) -> bool:
    """An internationalised host name (RFC 5890): one that IDNA maps (UTS #46, as browsers
    do: ``Bücher.example`` is ``xn--bcher-kva.example``) to a valid RFC 1123 host name."""
    if not isinstance(value, str):
        return True
    name = value[:-1] if value.endswith((".", "\u3002", "\uff0e", "\uff61")) else value
    if not name:
        return False
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return is_hostname(ascii_name)


def _is_idn_email(value: object) -> bool:
    """``local@domain`` (RFC 6531): a local part of any characters but spaces, controls and
    ``@`` (or a quoted one), and a domain that is an internationalised host name or an
    address literal (``[192.0.2.1]``)."""
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or len(local) > 64:
        return False
    quoted = len(local) >= 2 and local.startswith('"') and local.endswith('"')
    if not quoted and any(c.isspace() or c == "@" or ord(c) < 32 or c == "\x7f" for c in local):
        return False
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        literal = literal[5:] if literal.lower().startswith("ipv6:") else literal
        try:
            ipaddress.ip_address(literal)
        except ValueError:
            return False
        return True
    return is_idn_hostname(domain)


def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, no whitespace, and a host when it has an authority."""
    if not isinstance(value, str):
        return True
    if any(char.isspace() for char in value):
        return False
    scheme, _, rest = value.partition(":")
    if not _SCHEME.fullmatch(scheme) or not rest:
        return False
    return not (rest.startswith("//") and not urlsplit(value).netloc)


def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or not any(char.isspace() for char in value)


def _is_base64(value: object) -> bool:
    """Base64 with its padding (the unused bits of the last character need not be zero:
    decoders ignore them, and real specs' examples have them set)."""
    if not isinstance(value, str):
        return True
    b64decode(value, validate=True)  # raises binascii.Error when it is not
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return _DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.fullmatch(value) is None:
        return False
    return bool(datetime.fromisoformat(value.upper().replace("Z", "+00:00")))


def _is_time(value: object) -> bool:
    """RFC 3339 time, the offset optional (``partial-time`` is common in OpenAPI specs)."""
    if not isinstance(value, str):
        return True
    match = _TIME.fullmatch(value)
    if match is None:
        return False
    hour, minute, second = (int(match.group(index)) for index in (1, 2, 3))
    return hour < 24 and minute < 60 and second < 61


def _is_ipv4(value: object) -> bool:
    return not isinstance(value, str) or bool(ipaddress.IPv4Address(value))


def _is_ipv6(value: object) -> bool:
    return not isinstance(value, str) or not ipaddress.IPv6Address(value).scope_id


@functools.cache
def format_checker(dialect: FormatDialect) -> FormatChecker:
    """jsonschema's checks plus OpenAPI's, with the common formats checked for real.

    OpenAPI 3.0's ``binary`` check is dropped: it accepts only Python ``bytes``, but in JSON
    such a value can only be a string. Shared: do not change the returned checker.
    """
    base = oas30_format_checker if dialect == "3.0" else oas31_format_checker
    checker = FormatChecker()
    checker.checkers.update(base.checkers)
    checker.checkers.pop("binary", None)
    checker.checks("byte", raises=(binascii.Error, ValueError))(_is_base64)
    checker.checks("email")(_is_email)
    checker.checks("hostname")(is_hostname)
    checker.checks("idn-hostname")(is_idn_hostname)
    checker.checks("idn-email")(_is_idn_email)
    checker.checks("uri")(_is_uri)
    checker.checks("url")(_is_uri)
    checker.checks("uri-reference")(_is_uri_reference)
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("time")(_is_time)
    checker.checks("ipv4", raises=ValueError)(_is_ipv4)
    checker.checks("ipv6", raises=ValueError)(_is_ipv6)
    return checker
