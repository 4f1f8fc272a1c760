"""PDF/A-3b: what turns a laid-out document into an archivable, self-checking file.

ISO 19005-3 (PDF/A-3), level B: an sRGB output intent, XMP metadata that identifies the file as
PDF/A-3b and matches the document information dictionary, every font embedded (the builders use
only embedded TrueType fonts), and files embedded as *associated files* (``/AF`` with an
``AFRelationship``): here the signed JWS and its payload, so that anyone holding the PDF can
recompute the payload's SHA-256 and check the JWS without the city's database.

The sRGB profile comes from Debian's ``icc-profiles-free`` (``/usr/share/color/icc/sRGB.icc``).
pikepdf writes the file with an /ID derived from its content: same input, same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf

ICC_CANDIDATES = ("/usr/share/color/icc/sRGB.icc", "/usr/share/color/icc/colord/sRGB.icc")
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


class ProfileMissing(RuntimeError):
    """No sRGB ICC profile is installed."""


@dataclass(frozen=True)
class Attachment:
    name: str  # file name inside the PDF, e.g. "20242_2026-11-24_r1.payload.json"
    data: bytes
    mime: str  # "application/json"
    description: str
    relationship: str = "Source"  # AFRelationship: Source, Data, Alternative, Supplement


@cache
def srgb_profile() -> bytes:
    extra = os.environ.get("WARDAPP_SRGB_ICC")
    for path in ([extra] if extra else []) + list(ICC_CANDIDATES):
        if path and Path(path).is_file():
            return Path(path).read_bytes()
    raise ProfileMissing(
        "No sRGB ICC profile found for PDF/A: install Debian's icc-profiles-free "
        "(`apt-get install icc-profiles-free`) or set WARDAPP_SRGB_ICC to an sRGB .icc file."
    )


@cache
def _srgb_flate() -> bytes:
    """The sRGB profile compressed once per process (the same in every document)."""
    return zlib.compress(srgb_profile())


def _flate_stream(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    """A stream holding ``data`` compressed (the file is saved without recompressing anything)."""
    stream = pikepdf.Stream(pdf, b"")
    stream.write(data, filter=pikepdf.Name.FlateDecode)
    return stream


def pdf_date(moment: dt.datetime) -> str:
    """D:YYYYMMDDHHmmSS+07'00' (PDF 1.7, 7.9.4)."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def xmp_date(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _xmp(title: str, author: str, subject: str, created: dt.datetime, producer: str, creator: str) -> bytes:
    t, a, s = escape(title), escape(author), escape(subject)
    when = xmp_date(created)
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{t}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{a}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{s}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>vi-VN</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
   <xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{escape(producer)}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


def _embedded_file(pdf: pikepdf.Pdf, item: Attachment, moment: str) -> pikepdf.Dictionary:
    stream = _flate_stream(pdf, zlib.compress(item.data))
    stream.Type = pikepdf.Name.EmbeddedFile
    stream.Subtype = pikepdf.Name("/" + item.mime.replace("/", "#2F"))
    stream.Params = pikepdf.Dictionary(
        Size=len(item.data),
        ModDate=moment,
        CheckSum=pikepdf.String(hashlib.md5(item.data, usedforsecurity=False).digest()),  # the format says MD5
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec,
            F=item.name,
            UF=item.name,
            Desc=item.description,
            AFRelationship=pikepdf.Name("/" + item.relationship),
            EF=pikepdf.Dictionary(F=stream, UF=stream),
        )
    )


def to_pdfa3(
    data: bytes,
    *,
    title: str,
    author: str,
    subject: str,
    created: dt.datetime,
    attachments: tuple[Attachment, ...] = (),
    producer: str = "wardapp (ReportLab, pikepdf)",
    creator: str = "wardapp",
) -> bytes:
    """The same pages with the PDF/A-3b identification, output intent and associated files."""
    moment = pdf_date(created)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        icc = _flate_stream(pdf, _srgb_flate())
        icc.N = 3
        root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFA1,
                    OutputConditionIdentifier=OUTPUT_CONDITION,
                    Info=OUTPUT_CONDITION,
                    RegistryName="http://www.color.org",
                    DestOutputProfile=pdf.make_indirect(icc),
                )
            ]
        )
        metadata = pikepdf.Stream(pdf, _xmp(title, author, subject, created, producer, creator))
        metadata.Type = pikepdf.Name.Metadata
        metadata.Subtype = pikepdf.Name.XML
        root.Metadata = pdf.make_indirect(metadata)
        # The information dictionary says exactly what the XMP says (PDF/A requires them equal).
        pdf.trailer.Info = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=title,
                Author=author,
                Subject=subject,
                Creator=creator,
                Producer=producer,
                CreationDate=moment,
                ModDate=moment,
            )
        )
        root.MarkInfo = pikepdf.Dictionary(Marked=False)
        root.Lang = pikepdf.String("vi-VN")
        if attachments:
            specs = [(a.name, _embedded_file(pdf, a, moment)) for a in sorted(attachments, key=lambda a: a.name)]
            names = pikepdf.Array()
            for name, spec in specs:
                names.append(pikepdf.String(name))
                names.append(spec)
            root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=names))
            root.AF = pikepdf.Array([spec for _, spec in specs])
        out = io.BytesIO()
        # ReportLab's streams are compressed already and the new ones were compressed above: left to
        # itself qpdf would decompress and recompress every one of them (three quarters of this
        # pass, bench/pdf.py). The XMP metadata stays uncompressed, readable by any tool.
        pdf.save(
            out,
            deterministic_id=True,
            fix_metadata_version=False,
            min_version="1.7",
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
    return out.getvalue()


def attachments_of(data: bytes) -> dict[str, bytes]:
    """The associated files of a PDF by name (for checks and for the city's verification)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found = {}
        for spec in pdf.Root.get("/AF", pikepdf.Array()):
            found[str(spec.UF)] = bytes(spec.EF.F.read_bytes())
        return found
