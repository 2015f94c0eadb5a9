"""Reading a posted form safely: the size limit while the body arrives, bounded parts, then the CSRF check.

The limit is enforced twice: on the declared Content-Length before anything is read, and on the bytes as
they arrive (a chunked upload declares nothing). Only then does the multipart parser see the body, and only
then does the reader's own guards (reader/guards.py) see the workbook.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from ..limits import MAX_FORM_FIELD_BYTES
from .desk import desk_of
from .security import CSRF_FIELD, csrf_ok

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request the desk will not serve: the status code and what the page says."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail


class _TooLarge(Exception):
    pass


def too_large(limit: int) -> Refused:
    return Refused(413, "文件过大", f"上传的文件超过 {limit // (1024 * 1024)} MB 上限。申报表通常不到 1 MB，"
                                   "请确认选择的是下发的申报表。")


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted form, read in full and closed: its text fields and its one file, if any."""

    fields: dict[str, str]
    file: tuple[str, bytes] | None  # (file name as the browser gave it, bytes); None when no file was chosen


async def posted_form(request: Request, limit: int) -> Posted:
    """The form of a POST, at most `limit` bytes in all, one file at most; Refused when it is too large,
    malformed, or its CSRF token does not match the browser's cookie."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large(limit)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge
        return message

    try:
        async with Request(request.scope, receive).form(max_files=1, max_fields=10,
                                                        max_part_size=MAX_FORM_FIELD_BYTES) as form:
            # no NUL reaches the database (PostgreSQL refuses it in text: a 500), nor a page
            fields = {k: v.replace("\x00", "") for k, v in form.multi_items() if isinstance(v, str)}
            upload = next((v for _, v in form.multi_items() if isinstance(v, UploadFile) and v.filename), None)
            content = await upload.read(limit + 1) if upload is not None else None
    except _TooLarge:
        raise too_large(limit) from None
    except (MultiPartException, HTTPException) as exc:  # Starlette raises the parser's refusal as a 400
        log.info("multipart refused: %s", getattr(exc, "message", None) or getattr(exc, "detail", ""))  # for the log
        raise Refused(400, "无法读取提交的表单", "提交的表单不完整或格式不对（每次只能上传一个文件）。请返回页面，"
                                            "重新选择一个文件后提交。") from None
    if not csrf_ok(desk_of(request).signer, request, fields.get(CSRF_FIELD)):
        raise Refused(403, "页面已过期", "表单校验失败（可能页面打开太久，或不是从本站提交）。请刷新页面后重新提交。")
    if content is not None and len(content) > limit:
        raise too_large(limit)
    file = (client_file_name(upload.filename or ""), content) if upload is not None and content is not None else None
    return Posted(fields, file)


def client_file_name(name: str) -> str:
    """The last part of what the browser sent (some send a full Windows path), printable, at most 200 chars.
    Only ever shown and stored as text: no file is opened by this name."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in base if c.isprintable()).strip()
    return clean[:200] or "上传文件.xlsx"
