"""Small PDF and Word (.docx) writers with no dependency: the samples (scripts/make_samples.py), the
hostile documents of the tests and the PDF benchmark are built with them, so each can be rebuilt.

The PDF writer lays out text in Helvetica on US Letter pages with a running header, a page number in
the footer and words hyphenated at line ends, as a word processor's export would; `pdf_from_objects`
writes any object list (for malformed documents). The .docx writer writes the parts Word needs: the
body, a header and footer, and the core properties (title, author, date).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter, in points
MARGIN = 72
# Helvetica's average advance is about half its size; lines are filled to this many characters.
_CHARS_PER_POINT = 1 / (0.5 * 10.5)


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"  # "title", "heading" or "body"


@dataclass
class DocumentInfo:
    title: str = ""
    author: str = ""
    created: str = ""  # ISO date (2026-11-03) or date and time
    extra: dict[str, str] = field(default_factory=dict)


def pdf_literal(text: str) -> bytes:
    """A PDF string literal in WinAnsiEncoding (cp1252), escaped."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_date(iso: str) -> str:
    """`2026-11-03` or `2026-11-03T09:30:00` → the PDF date `D:20261103093000Z`."""
    digits = "".join(ch for ch in iso if ch.isdigit())
    return f"D:{digits.ljust(14, '0')[:14]}Z"


def pdf_from_objects(objects: list[bytes], *, root: int = 1, info: int | None = None) -> bytes:
    """A PDF file of `objects` (object n is objects[n - 1], each the bytes between `obj` and `endobj`)
    with its cross-reference table and trailer."""
    out = BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"trailer\n<< /Size %d /Root %d 0 R" % (len(objects) + 1, root)
    if info is not None:
        trailer += b" /Info %d 0 R" % info
    out.write(trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


def stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def pdf_pages(
    contents: list[bytes], *, info: DocumentInfo | None = None, catalog_extra: bytes = b""
) -> bytes:
    """A PDF whose pages draw `contents` (content streams) with Helvetica as /F1 and Helvetica-Bold as /F2."""
    fonts = b"<< /F1 3 0 R /F2 4 0 R >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        _info_dict(info or DocumentInfo()),
    ]
    kids = []
    for content in contents:
        page = len(objects) + 1
        kids.append(b"%d 0 R" % page)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font %s >> "
            b"/Contents %d 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT, fonts, page + 1)
        )
        objects.append(stream(content))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return pdf_from_objects(objects, info=5)


def _info_dict(info: DocumentInfo) -> bytes:
    entries = [(b"/Producer", pdf_literal("precis document_writers"))]
    if info.title:
        entries.append((b"/Title", pdf_literal(info.title)))
    if info.author:
        entries.append((b"/Author", pdf_literal(info.author)))
    if info.created:
        entries.append((b"/CreationDate", pdf_literal(pdf_date(info.created))))
    entries += [(b"/" + key.encode(), pdf_literal(value)) for key, value in info.extra.items()]
    return b"<< " + b" ".join(key + b" " + value for key, value in entries) + b" >>"


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters; a long word that does not fit is hyphenated at the end."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        room = width - len(line) - (1 if line else 0)
        if len(word) <= room:
            line = f"{line} {word}" if line else word
            continue
        if room >= 4 and len(word) >= 8 and word.isalpha():
            cut = min(room - 1, len(word) - 3)
            lines.append(f"{line} {word[:cut]}-" if line else f"{word[:cut]}-")
            line = word[cut:]
            continue
        lines.append(line)
        line = word
    return [*lines, line] if line else lines


def laid_out_pdf(
    paragraphs: list[Paragraph], *, header: str, info: DocumentInfo, catalog_extra: bytes = b""
) -> bytes:
    """`paragraphs` set on pages with `header` at the top and "Page N of M" at the bottom of each
    (`catalog_extra`: more entries for the document catalog)."""
    pages: list[list[bytes]] = [[]]
    y = PAGE_HEIGHT - MARGIN
    for paragraph in paragraphs:
        size, font = {"title": (17, b"F2"), "heading": (12.5, b"F2")}.get(paragraph.style, (10.5, b"F1"))
        width = int((PAGE_WIDTH - 2 * MARGIN) * _CHARS_PER_POINT * 10.5 / size)
        lines = wrap(paragraph.text, width)
        if paragraph.style != "body" and y - len(lines) * size * 1.4 < MARGIN + 40:
            pages.append([])
            y = PAGE_HEIGHT - MARGIN
        for line in lines:
            if y < MARGIN + 10:
                pages.append([])
                y = PAGE_HEIGHT - MARGIN
            pages[-1].append(b"BT /%s %g Tf %d %d Td %s Tj ET" % (font, size, MARGIN, y, pdf_literal(line)))
            y -= int(size * 1.4)
        y -= int(size * 0.8)
    contents: list[bytes] = []
    for number, page_lines in enumerate(pages, start=1):
        running = [
            b"BT /F1 8.5 Tf %d %d Td %s Tj ET" % (MARGIN, PAGE_HEIGHT - 40, pdf_literal(header)),
            b"BT /F1 8.5 Tf %d 36 Td %s Tj ET"
            % (PAGE_WIDTH // 2 - 24, pdf_literal(f"Page {number} of {len(pages)}")),
        ]
        contents.append(b"\n".join(running + page_lines))
    return pdf_pages(contents, info=info, catalog_extra=catalog_extra)


_DOCX_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLE = {"title": "Title", "heading": "Heading1"}


def docx_paragraph(paragraph: Paragraph) -> str:
    style = _STYLE.get(paragraph.style)
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{properties}<w:r><w:t xml:space="preserve">{escape(paragraph.text)}</w:t></w:r></w:p>'


def docx_bytes(paragraphs: list[Paragraph], *, header: str, info: DocumentInfo) -> bytes:
    """A .docx with `paragraphs` as its body, `header` and a PAGE field in its header and footer parts,
    and `info` in its core properties."""
    body = "".join(docx_paragraph(p) for p in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.header+xml"/>'
            '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.footer+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
        ),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/header" Target="header1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/footer" Target="footer1.xml"/></Relationships>'
        ),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document {_DOCX_NS} {_REL_NS}><w:body>{body}'
            '<w:sectPr><w:headerReference w:type="default" r:id="rId1"/>'
            '<w:footerReference w:type="default" r:id="rId2"/></w:sectPr></w:body></w:document>'
        ),
        "word/header1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {_DOCX_NS}>'
            f"{docx_paragraph(Paragraph(header))}</w:hdr>"
        ),
        "word/footer1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:ftr {_DOCX_NS}><w:p><w:r><w:t>Page </w:t></w:r>'
            '<w:fldSimple w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>'
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/'
            'elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/'
            f'2001/XMLSchema-instance"><dc:title>{escape(info.title)}</dc:title>'
            f"<dc:creator>{escape(info.author)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{escape(info.created)}</dcterms:created>'
            "</cp:coreProperties>"
        ),
    }
    return zip_bytes(parts)


def zip_bytes(parts: Mapping[str, str | bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            # A fixed date, so a rebuilt sample is byte for byte the same.
            entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return out.getvalue()
