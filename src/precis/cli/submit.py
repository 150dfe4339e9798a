"""`precis submit`: upload articles to incoming/<collection>/ and, with --wait, follow them to the end.

Files are uploaded as they are; folders are walked for the types the submit function accepts; a .jsonl
file is one article per line, each line uploaded as its own .json object. Each upload's version (or
ETag) gives the document id the submit function will use, so the records can be followed at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from precis_core.adapters.articles import CONTENT_TYPES
from precis_core.domain.json_articles import TEXT_FIELDS
from precis_core.domain.limits import ARTICLE_METADATA, PARAMETER_LIMITS
from precis_core.domain.metadata import parse_date, s3_value
from precis_core.services.submit import DEFAULT_COLLECTION
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from precis.cli.console import (
    EXIT_FAILED,
    EXIT_USAGE,
    console,
    errors,
    explained_errors,
    fail,
    print_json,
    shown,
)
from precis.cli.follow import WaitOption, follow
from precis.cli.option_groups import with_option_groups
from precis.cli.resources import INPUT_PREFIX
from precis.cli.selection import candidate_ids
from precis.cli.stack_options import JsonOption, Target, open_store

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_s3 import S3Client

JSONL = ".jsonl"
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C (128 + SIGINT)
_SLUG = re.compile(r"[^a-z0-9]+")
COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ArticleError(ValueError):
    """A path or a JSONL line that cannot be submitted; nothing is uploaded when one is found."""


@dataclass(frozen=True)
class Upload:
    """One object to put: where it came from, its key name below the collection, its bytes and type."""

    source: str
    name: str
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Submitted:
    """One uploaded article: where it went, and the ids its record may have (by VersionId, by ETag)."""

    source: str
    location: str
    version: str
    candidate_ids: tuple[str, ...]
    document_id: str = ""  # the id the submit function gives it (see `_show`)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "location": self.location,
            "version": self.version,
            "document_id": self.document_id,
        }


def gather(paths: list[Path]) -> tuple[list[Upload], list[Path]]:
    """Everything to upload, and the files skipped inside folders (unsupported types)."""
    uploads: list[Upload] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                name = "-".join(file.relative_to(path).parts)
                if _not_an_article(file.relative_to(path)):
                    continue  # hidden files and folders, a README: submitted only when named
                if _supported(file):
                    uploads.extend(_uploads_of(file, name))
                else:
                    skipped.append(file)
        elif path.is_file():
            if not _supported(path):
                supported = ", ".join(sorted({*CONTENT_TYPES, JSONL}))
                raise ArticleError(f"{path}: unsupported file type; supported: {supported}")
            uploads.extend(_uploads_of(path, path.name))
        else:
            raise ArticleError(f"{path}: no such file or folder")
    names = [u.name for u in uploads]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ArticleError(f"two articles would be uploaded as {duplicates[0]}; rename one")
    return uploads, skipped


def _not_an_article(relative: Path) -> bool:
    """A hidden file or one in a hidden folder (.git/…), or a folder's README."""
    return any(part.startswith(".") for part in relative.parts) or relative.stem.upper() == "README"


def _supported(path: Path) -> bool:
    return path.suffix.lower() in CONTENT_TYPES or path.suffix.lower() == JSONL


def _uploads_of(path: Path, name: str) -> list[Upload]:
    suffix = path.suffix.lower()
    if suffix != JSONL:
        return [Upload(str(path), name, path.read_bytes(), CONTENT_TYPES[suffix])]
    stem = name[: -len(JSONL)]
    uploads = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                article = json.loads(line)
            except json.JSONDecodeError as error:
                raise ArticleError(f"{path}:{number}: not JSON ({error.msg})") from None
            if not isinstance(article, dict):
                raise ArticleError(
                    f'{path}:{number}: each line must be one JSON object, e.g. {{"text": ...}}'
                )
            body, title = _request_body(article)
            key_name = f"{stem}-{number:05d}" + (f"-{title}" if title else "") + ".json"
            uploads.append(Upload(f"{path}:{number}", key_name, body, "application/json"))
    if not uploads:
        raise ArticleError(f"{path}: no articles (the file has no lines)")
    return uploads


def _request_body(article: dict) -> tuple[bytes, str]:
    """The request the endpoint takes and a slug of the title: the text field, any parameters, and the
    article's metadata (title, id, url, source, authors, published), which reach the record.

    Other fields of a dataset line (highlights, labels…) are left out: the inference request refuses
    unknown fields.
    """
    text_fields = [name for name in TEXT_FIELDS if name in article]
    if not text_fields:
        return json.dumps(article, ensure_ascii=False).encode("utf-8"), ""
    kept = [name for name in article if name in ARTICLE_METADATA and name != "metadata"]
    request = {name: article[name] for name in kept}
    request[text_fields[0]] = article[text_fields[0]]
    if "parameters" in article:
        request["parameters"] = article["parameters"]
    title = article.get("title")
    slug = _SLUG.sub("-", title.lower()).strip("-")[:60] if isinstance(title, str) else ""
    return json.dumps(request, ensure_ascii=False).encode("utf-8"), slug


@with_option_groups
def submit(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files, folders, or .jsonl files (one article a line).", show_default=False),
    ],
    target: Target,
    collection: Annotated[
        str, typer.Option("--collection", "-c", help="Upload under incoming/<collection>/.")
    ] = DEFAULT_COLLECTION,
    title: Annotated[
        str | None, typer.Option("--title", help="The article's title (one file only), kept on its record.")
    ] = None,
    published: Annotated[
        str | None, typer.Option("--published", help="When it was published: a date (2026-03-18).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the article is from.")] = None,
    sentences: Annotated[
        int | None,
        typer.Option(
            "--sentences",
            min=1,
            max=PARAMETER_LIMITS["sentences"],
            help="Summaries of exactly this many sentences (the offline engine).",
        ),
    ] = None,
    max_words: Annotated[
        int | None,
        typer.Option(
            "--max-words", min=1, max=PARAMETER_LIMITS["target_words"], help="A word budget for each summary."
        ),
    ] = None,
    wait: WaitOption = False,
    timeout: Annotated[
        int, typer.Option("--timeout", min=1, help="With --wait: give up after this many seconds.")
    ] = 3600,
    as_json: JsonOption = False,
) -> None:
    """Upload articles (.txt, .md, .json, .html, .pdf, .docx, or .jsonl with one JSON article a line)."""
    if not COLLECTION_NAME.match(collection):
        raise fail(f"--collection {collection!r}: use letters, digits, '.', '_' or '-'", EXIT_USAGE)
    try:
        uploads, skipped = gather(paths)
    except ArticleError as error:
        raise fail(str(error), EXIT_USAGE) from None
    for path in skipped:
        errors.print(f"skipped {shown(path)} (unsupported type)", highlight=False)
    if not uploads:
        raise fail("nothing to submit", EXIT_USAGE)
    metadata = _user_metadata(title, published, url, len(uploads))
    # Summary settings travel as user metadata too; the submit function sends them to the endpoint.
    settings = {"sentences": sentences, "max-words": max_words}
    metadata.update({name: str(value) for name, value in settings.items() if value is not None})
    with explained_errors():
        resources = target.open()
        s3 = resources.target.client("s3")
        bucket = resources.input_bucket
        prefix = f"{INPUT_PREFIX}{collection}/"
        submitted = _upload(s3, bucket, prefix, uploads, metadata, quiet=as_json)
        # S3 names the version in its events, so AWS's submit function keys the record by it; the
        # local stack's (moto's) events carry only the ETag (precis.cli.selection.candidate_ids).
        chosen = -1 if resources.target.is_local else 0
        submitted = [replace(item, document_id=item.candidate_ids[chosen]) for item in submitted]
    if not wait:
        if as_json:
            print_json([item.to_dict() for item in submitted])
        else:
            _show(submitted, bucket, prefix, detailed=True)
        return
    if not as_json:
        _show(submitted, bucket, prefix, detailed=False)
    with explained_errors():
        try:
            ok = follow(
                open_store(resources),
                [item.candidate_ids for item in submitted],
                as_json=as_json,
                timeout=timeout,
            )
        except KeyboardInterrupt:
            _interrupted(len(submitted), collection)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    if not ok:
        raise typer.Exit(EXIT_FAILED)


def _interrupted(count: int, collection: str) -> None:
    """What Ctrl-C during --wait leaves: the uploads are in, and the pipeline carries on without us."""
    errors.print(
        f"\nstopped waiting: {count} article(s) were uploaded and go on being processed.\n"
        f"Follow them with `precis list --collection {shown(collection)}` or `precis watch`.",
        highlight=False,
    )


def _user_metadata(title: str | None, published: str | None, url: str | None, count: int) -> dict[str, str]:
    """--title, --published and --url as S3 user metadata (x-amz-meta-*), which the submit function
    reads onto the record ahead of what the article says about itself."""
    if title is not None and count != 1:
        raise fail(f"--title names one article, and {count} would be uploaded", EXIT_USAGE)
    if published is not None and parse_date(published) is None:
        raise fail(f"--published {published!r} is not a date (e.g. 2026-03-18)", EXIT_USAGE)
    given = {"title": title, "published": published, "url": url}
    return {name: s3_value(value) for name, value in given.items() if value and value.strip()}


def _upload(
    s3: S3Client, bucket: str, prefix: str, uploads: list[Upload], metadata: dict[str, str], *, quiet: bool
) -> list[Submitted]:
    submitted = []
    progress = Progress(
        TextColumn("uploading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=errors,
        transient=True,
        disable=quiet,
    )
    with progress:
        files = progress.add_task("", total=len(uploads))
        for upload in uploads:
            key = prefix + upload.name
            response = s3.put_object(
                Bucket=bucket, Key=key, Body=upload.body, ContentType=upload.content_type, Metadata=metadata
            )
            submitted.append(
                Submitted(
                    source=upload.source,
                    location=f"s3://{bucket}/{key}",
                    version=response.get("VersionId") or response["ETag"].strip('"'),
                    candidate_ids=candidate_ids(bucket, key, response),
                )
            )
            progress.update(files, advance=1, description=upload.name)
    return submitted


def _show(submitted: list[Submitted], bucket: str, prefix: str, *, detailed: bool) -> None:
    if detailed:
        table = Table(box=None, header_style="bold")
        table.add_column("article", overflow="fold")
        table.add_column("key", overflow="fold")
        table.add_column("document", no_wrap=True)
        for item in submitted:
            table.add_row(
                shown(item.source), shown(item.location.removeprefix(f"s3://{bucket}/")), item.document_id
            )
        console.print(table)
    console.print(f"{len(submitted)} article(s) uploaded to s3://{bucket}/{prefix}", highlight=False)
