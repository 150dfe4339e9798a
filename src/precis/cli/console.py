"""Shared terminal output for the precis commands: one error style, JSON for scripts, rich for people."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.markup import escape

from precis.cli.resources import StackNotFound, TargetError, TargetNotChosen

console = Console()
errors = Console(stderr=True)

EXIT_FAILED = 1
EXIT_USAGE = 2

# Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links) and two-byte escapes.
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
# Characters that reorder or hide text on screen (bidirectional overrides and isolates).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown(value: object) -> str:
    """User-controlled text (titles, keys, reasons, summaries, ids) as it is safe to print: escape
    sequences removed, other control and bidi characters made visible as `\\xNN`/`\\uNNNN`, rich markup
    escaped (so `[/]` in a reason prints as itself). Newlines and tabs stay."""
    return escape(terminal_safe(value))


def terminal_safe(value: object) -> str:
    """`shown` without the rich markup escape, for text written to a terminal as it is (csv, stderr)."""
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    return "".join(_visible(char) for char in text)


def terminal_safe_json(line: str) -> str:
    """A JSON text safe on a terminal and still the same JSON: every control or bidi character json.dumps
    left raw (C1 controls, U+202E; it escapes those below 0x20 itself) written as its `\\uXXXX` escape."""
    return "".join(char if _safe(char) else f"\\u{ord(char):04x}" for char in line)


def _safe(char: str) -> bool:
    return unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS


def _visible(char: str) -> str:
    if char in "\n\t" or _safe(char):
        return char
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Prints one clear error line and returns the exit to raise (the message may quote user input)."""
    errors.print(f"[bold red]error:[/] {shown(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _unreachable(url: str) -> str:
    """Where to look when an endpoint does not answer: the local stack for a local address, else the
    region and the network (an AWS endpoint that does not answer is not the local stack's business)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in {"127.0.0.1", "localhost", "::1"}:
        return f"cannot reach {url}: is the local stack running (`precis local up`)?"
    return f"cannot reach {url}: check the region (--region, AWS_REGION) and the network"


@contextmanager
def explained_errors() -> Iterator[None]:
    """Turns the failures users meet (no stack, no credentials, nothing listening) into one-line errors."""
    try:
        yield
    except TargetNotChosen as error:
        raise fail(str(error), EXIT_USAGE) from None
    except (StackNotFound, TargetError) as error:
        raise fail(str(error)) from None
    except Exception as error:
        explained = _aws_failure(error)
        if explained is None:
            raise
        raise fail(*explained) from None


def _aws_failure(error: Exception) -> tuple[str, int] | None:
    """The one-line error and exit code for a botocore failure, None for anything else. botocore is not
    imported for this: a command that made no AWS call (search over --duckdb) never loaded it, and then
    no botocore exception can have been raised."""
    if "botocore.exceptions" not in sys.modules:
        return None
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return (
            "no AWS credentials found: configure a profile (aws configure, AWS_PROFILE) or pass "
            "--endpoint-url for the local stack",
            EXIT_FAILED,
        )
    if isinstance(error, NoRegionError):
        return "no AWS region: pass --region or set AWS_REGION", EXIT_USAGE
    if isinstance(error, EndpointConnectionError):
        return _unreachable(str(error.kwargs.get("endpoint_url", "the endpoint"))), EXIT_FAILED
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        code = detail.get("Code", "Error")
        if code in {
            "ExpiredToken",
            "ExpiredTokenException",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "AccessDenied",
            "AccessDeniedException",
        }:
            return f"AWS refused the credentials ({code}): {detail.get('Message', '')}", EXIT_FAILED
        return f"{error.operation_name} failed: {code}: {detail.get('Message', '')}", EXIT_FAILED
    return None


def plain(value):
    """DynamoDB's Decimals and sets as JSON-friendly numbers and lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(item) for item in value]
    return value


def print_json(data) -> None:
    """Machine-readable output on stdout, never wrapped or coloured."""
    typer.echo(json.dumps(plain(data), indent=2, ensure_ascii=False, sort_keys=True))


def status_style(status: str) -> str:
    return {"COMPLETED": "green", "FAILED": "red", "QUEUED": "yellow"}.get(status, "white")
