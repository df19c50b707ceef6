"""Documents attached to a stage's evidence: type-checked, stored by their sha256, kept in the trail.

    upload_attachment(uow, case_id, stage, filename, data, actor) → Attachment

One transaction: the Attachment row and the trail event `attachment.uploaded` (filename, size,
sha256, stage). The file is stored under the key `attachments/<case>/<sha256>` of the blob store
(engine/store/blobs.py: the instance folder, or an object store) — content addressed: the same
bytes are stored once; a file left by a rolled-back upload is harmless.
Only the recorder of the stage may attach to it (engine.accounts.access.require_recorder).
No Flask here.
"""
from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePosixPath

from engine.accounts.access import require_recorder
from engine.core.errors import InputError
from engine.decisions.models import Attachment
from engine.decisions.queries import get_case
from engine.store.blobs import blob_store
from engine.store.uow import UnitOfWork
from engine.trail import append_event

MAX_BYTES = 20 * 1024 * 1024
# extension → (media type, accepted leading bytes; () = no cheap signature)
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "txt": ("text/plain; charset=utf-8", ()),
}
ALLOWED = "pdf, docx, doc, xlsx, xls, jpg, png, ofd, txt"


def _refuse(zh: str, en: str) -> InputError:
    return InputError.single("上传文件 / upload", f"{zh} / {en}", "file")


def clean_filename(filename: str) -> str:
    """The file's own name (no folders, no control characters), at most 200 characters."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name.strip()[-200:]


def check_file(filename: str, data: bytes) -> tuple[str, str]:
    """(clean name, media type) of an acceptable file; InputError otherwise."""
    name = clean_filename(filename)
    if not name:
        raise _refuse("请选择要上传的文件", "choose a file to upload")
    if not data:
        raise _refuse(f"文件 {name} 为空", f"the file {name} is empty")
    if len(data) > MAX_BYTES:
        raise _refuse("文件超过 20 MB", "the file is larger than 20 MB")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in TYPES:
        raise _refuse(f"不接受此类型的文件（.{ext or '无扩展名'}），可上传：{ALLOWED}",
                      f"files of type .{ext or '(none)'} are not accepted; allowed: {ALLOWED}")
    media_type, magic = TYPES[ext]
    if magic and not any(data.startswith(m) for m in magic):
        raise _refuse(f"文件 {name} 的内容与扩展名 .{ext} 不符", f"the content of {name} is not a .{ext} file")
    if ext == "txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(f"文本文件 {name} 须为 UTF-8 编码", f"the text file {name} must be UTF-8") from None
    return name, media_type


def attachment_bytes(attachment: Attachment) -> bytes | None:
    """An attachment's bytes, from the blob store; None when they are missing."""
    return blob_store().get(str(PurePosixPath(attachment.stored_path)))


def upload_attachment(uow: UnitOfWork, case_id: str, stage: str, filename: str, data: bytes,
                      actor: str) -> Attachment:
    """Attach a document to a stage of a case, with its trail event (the caller commits)."""
    record = get_case(uow.session, case_id)
    require_recorder(uow.session, actor, stage, record)
    name, media_type = check_file(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    relative = PurePosixPath("attachments", case_id, digest)
    store = blob_store()
    if not store.exists(str(relative)):
        store.put(str(relative), data)
    attachment = Attachment(id=uuid.uuid4().hex, case_id=case_id, stage=stage, filename=name,
                            media_type=media_type, size=len(data), sha256=digest,
                            stored_path=str(relative), uploaded_by=actor)
    uow.session.add(attachment)
    uow.session.flush()
    append_event(uow.session, case_id, actor, "attachment.uploaded",
                 {"attachment": attachment.id, "filename": name, "size": len(data), "sha256": digest,
                  "stage": stage, "media_type": media_type})
    return attachment


def attachments_of(uow: UnitOfWork, case_id: str) -> list[Attachment]:
    """A case's attachments, oldest first."""
    from engine.decisions.queries import case_attachments
    return case_attachments(uow.session, case_id)
