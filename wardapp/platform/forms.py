"""multipart/form-data bodies read by ``multipart`` (the Bottle project's parser) instead of
Werkzeug's own, for the city intake: the same ``request.form`` and ``request.files`` (MultiDicts,
Werkzeug ``FileStorage`` objects in the request's own file streams), the same limits, the same
refusals.

Why: the intake parses every push (a token and three 300 KB photos), and Werkzeug's parser, which
compiles a regular expression for each request's boundary and moves every chunk through several
event objects, took about 1.5 ms of CPU per push; this one about 0.4 ms (docs/PERFORMANCE.md, the
intake). What stays Werkzeug's: URL-encoded forms, ``MAX_CONTENT_LENGTH`` (the stream is limited
before it reaches the parser), ``stream_factory`` (where a file part is kept) and the charset rules
of text fields.

Refusals as Werkzeug makes them: a limit (too many parts, a text field over
``MAX_FORM_MEMORY_SIZE``, a part's headers too long or too many) is a 413; a body that is not a
complete multipart stream leaves the form empty (Werkzeug's ``silent`` parsing), so the route says
which field it misses. One difference, on purpose: a part must end with the line break RFC 2046
puts before every delimiter. Werkzeug's own test encoder leaves it out after an empty part and
Werkzeug's parser lets it pass; browsers, ``requests`` (the commune's sender) and curl always
write it. That is why the commune app, whose tests post through Werkzeug's test client and whose
uploads are one photo at a time, keeps Werkzeug's parser.

A request may set ``part_guard`` before it reads its form: it is called with each text field's name
and value as soon as that field is read, and with ``(name, None)`` as each file part begins, before
a byte of that part is buffered. Raising there stops reading the body (the intake checks a push's
signature so, before any photo reaches memory or disk).
"""

from __future__ import annotations

import math
import typing as t
from collections.abc import Callable

import multipart
from flask import Request
from werkzeug.datastructures import FileStorage, Headers, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser

READ_SIZE = 64 * 1024  # bytes asked of the input stream at a time, as Werkzeug reads it
PartGuard = Callable[[str, str | None], None]  # (field name, text value or None for a file part)


class _Part:
    """A part being read: a text field's chunks (bounded by ``max_form_memory_size``), or a file
    part's container from the request's ``stream_factory``."""

    def __init__(self, segment: multipart.MultipartSegment, container: t.IO[bytes] | None, limit: int | None):
        self.segment, self.container, self.limit = segment, container, limit
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, chunk: bytes) -> None:
        if self.container is not None:
            self.container.write(chunk)
            return
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise RequestEntityTooLarge()
        self.chunks.append(chunk)


class FastMultiPartParser(MultiPartParser):
    """Werkzeug's ``MultiPartParser`` interface over ``multipart.PushMultipartParser``."""

    part_guard: PartGuard | None = None

    def parse(
        self, stream: t.IO[bytes], boundary: bytes, content_length: int | None
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        opened: list[t.IO[bytes]] = []
        part: _Part | None = None
        try:
            parser = multipart.PushMultipartParser(
                boundary,
                content_length=-1 if content_length is None else content_length,
                max_segment_count=math.inf if self.max_form_parts is None else self.max_form_parts,
            )
            for event in parser.parse_blocking(stream.read, READ_SIZE):
                if isinstance(event, multipart.MultipartSegment):
                    part = self._start(event, content_length, opened)
                elif event is None:  # the end of the current part
                    if part is not None:
                        self._finish(part, fields, files)
                    part = None
                elif part is not None:
                    part.write(event)
        except multipart.ParserLimitReached:
            _close(opened)
            raise RequestEntityTooLarge() from None
        except multipart.MultipartError as error:
            _close(opened)
            raise ValueError(str(error)) from None  # FormDataParser: an empty form, as Werkzeug's
        except BaseException:
            _close(opened)
            raise
        return self.cls(fields), self.cls(files)

    def _start(self, segment: multipart.MultipartSegment, total: int | None, opened: list[t.IO[bytes]]) -> _Part:
        if segment.filename is None:  # no filename parameter: a text field, as Werkzeug decides
            return _Part(segment, None, self.max_form_memory_size)
        if self.part_guard is not None:
            self.part_guard(segment.name or "", None)
        declared = segment.header("Content-Length")
        container = self.stream_factory(
            total_content_length=total,
            filename=segment.filename,
            content_type=segment.header("Content-Type"),
            content_length=int(declared) if declared and declared.isdigit() else 0,
        )
        opened.append(container)
        return _Part(segment, container, None)

    def _finish(self, part: _Part, fields: list[tuple[str, str]], files: list[tuple[str, FileStorage]]) -> None:
        segment, headers = part.segment, Headers(part.segment.headerlist)
        if part.container is None:
            value = b"".join(part.chunks).decode(self.get_part_charset(headers), "replace")
            fields.append((segment.name or "", value))
            if self.part_guard is not None:
                self.part_guard(segment.name or "", value)
            return
        part.container.seek(0)
        files.append((segment.name or "", FileStorage(part.container, segment.filename, segment.name, headers=headers)))


def _close(opened: list[t.IO[bytes]]) -> None:
    for container in opened:
        container.close()


class FastFormDataParser(FormDataParser):
    part_guard: PartGuard | None = None

    def _parse_multipart(
        self, stream: t.IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[t.IO[bytes], MultiDict[str, t.Any], MultiDict[str, t.Any]]:
        parser = FastMultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        parser.part_guard = self.part_guard
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class FastFormRequest(Request):
    """Flask's request, with multipart bodies read by ``FastFormDataParser`` (the intake's)."""

    form_data_parser_class = FastFormDataParser
    part_guard: PartGuard | None = None  # set by a view before it reads the form

    def make_form_data_parser(self) -> FormDataParser:
        parser = super().make_form_data_parser()
        if isinstance(parser, FastFormDataParser):
            parser.part_guard = self.part_guard
        return parser
