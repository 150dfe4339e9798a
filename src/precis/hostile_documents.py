"""PDF and Word files built to hurt a reader, for the hostile-input tests (tests/integration,
tests/model): each is small, and each must end with a clear outcome rather than a stuck or dead endpoint.
"""

from __future__ import annotations

import zipfile
import zlib
from io import BytesIO

from precis.document_writers import (
    DocumentInfo,
    Paragraph,
    docx_bytes,
    laid_out_pdf,
    pdf_from_objects,
    stream,
    zip_bytes,
)

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_pdf(text: str, *, title: str = "A short report") -> bytes:
    """An ordinary PDF of `text` (one paragraph per blank-line-separated block)."""
    paragraphs = [Paragraph(title, "title"), *(Paragraph(block) for block in text.split("\n\n") if block)]
    return laid_out_pdf(paragraphs, header=title, info=DocumentInfo(title=title))


def text_docx(text: str, *, title: str = "A short briefing") -> bytes:
    paragraphs = [Paragraph(title, "title"), *(Paragraph(block) for block in text.split("\n\n") if block)]
    return docx_bytes(paragraphs, header=title, info=DocumentInfo(title=title))


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages that only paint an image (a scan without OCR): no text layer."""
    image = stream(
        zlib.compress(bytes(64 * 64)),
        b"/Type /XObject /Subtype /Image /Width 64 /Height 64 "
        b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode ",
    )
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", image]
    kids = []
    for _ in range(pages):
        kids.append(b"%d 0 R" % (len(objects) + 1))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /XObject << /Im1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (len(objects) + 2)
        )
        objects.append(stream(b"q 540 0 0 720 36 36 cm /Im1 Do Q"))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    return pdf_from_objects(objects)


def encrypted_pdf(text: str, password: str = "s3cret") -> bytes:
    """`text` as a PDF that opens only with `password` (pypdf's writer, AES-128)."""
    import pypdf

    reader = pypdf.PdfReader(BytesIO(text_pdf(text)))
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count_bomb(declared: int = 2_000_000_000) -> bytes:
    """A one-page PDF whose page tree declares `declared` pages."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % declared,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            stream(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET"),
            _FONT,
        ]
    )


def deep_page_tree(levels: int = 5_000) -> bytes:
    """A page tree nested `levels` deep that declares one page (a lying /Count)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = level + 2
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (number + 1))
    objects.append(b"<< /Type /Page /MediaBox [0 0 612 792] >>")
    return pdf_from_objects(objects)


def nested_objects(depth: int = 100_000) -> bytes:
    """A page whose resources nest arrays `depth` deep (the classic PDF parser bomb)."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> /Deep " + b"[" * depth + b"]" * depth + b" >> >>",
            stream(b"BT /F1 12 Tf 72 700 Td (Hello there) Tj ET"),
            _FONT,
        ]
    )


def javascript_pdf(text: str) -> bytes:
    """An ordinary PDF that asks its reader to run JavaScript when opened (never run by precis)."""
    paragraphs = [Paragraph("Quarterly note", "title"), *(Paragraph(p) for p in text.split("\n\n") if p)]
    script = b"/OpenAction << /S /JavaScript /JS (app.alert\\('opened'\\); this.submitForm\\('x'\\);) >> "
    return laid_out_pdf(
        paragraphs, header="Quarterly note", info=DocumentInfo(title="Quarterly note"), catalog_extra=script
    )


def truncated(document: bytes, keep: float = 0.6) -> bytes:
    """The first `keep` share of a document, as an interrupted upload leaves it."""
    return document[: int(len(document) * keep)]


def docx_zip_bomb(uncompressed: int = 1 << 30) -> bytes:
    """A .docx whose body decompresses to `uncompressed` bytes (1 GiB by default) from about a megabyte."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as body:
            chunk = b" " * (1 << 20)
            for _ in range(uncompressed // len(chunk)):
                body.write(chunk)
    return out.getvalue()


def docx_entity_bomb() -> bytes:
    """A .docx whose body declares nested XML entities (billion laughs)."""
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>&h;</w:t></w:r></w:p></w:body></w:document>"
    )
    return zip_bytes({"word/document.xml": body})
