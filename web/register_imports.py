"""Uploading a register file in the browser — the same flow for the document register (§3) and the
penalty register (§4): the form, the all-or-nothing import through the engine, every refused row
shown as (row, column, reason), and the skipped rows kept a day for the importer to download — in
the blob store (engine/store/blobs.py), so that any app server answers the download.
A file is CSV or an .xlsx workbook (its first sheet), with English or Chinese headers (CASE_FORMAT
v2); the page offers the register's template (header row and one example row) in either format
and language, and the register's export takes the same choices (`register_file`).
"""
from __future__ import annotations

import io
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user

from engine.core.errors import InputError, Problem
from engine.registers.csvio import write_table
from engine.registers.kinds import RegisterKind
from web.auth import role_required
from web.db import get_uow
from web.errors import refuse
from web.i18n import both
from web.jobs import job_queue

ROW_PATH = re.compile(r"row (\d+)(?:, (.+))?")
KEEP_SECONDS = 24 * 3600
PER_SESSION = 10
REJECTED_ID = re.compile(r"(\d{1,12})-[A-Za-z0-9_-]{10,64}")     # <seconds since the epoch when kept>-<random>
JOB_ID = re.compile(r"[A-Za-z0-9_-]{16}")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _seconds_now() -> float:
    """Now, in seconds since the epoch: when skipped rows are kept, and whether they have expired."""
    return time.time()


def file_headers(default: str = "zh") -> str:
    """The `headers` query argument of a download: zh or en (400 naming it otherwise)."""
    wanted = request.args.get("headers", "").strip()
    if wanted in ("zh", "en"):
        return wanted
    if wanted:
        refuse(400, f"headers（表头）：取值无效 {wanted[:20]!r}，应为 zh 或 en",
               f"headers: invalid value {wanted[:20]!r}, expected zh or en")
    return default


def register_file(write: Callable[[Any, str, str], Any], fmt: str, stem: str, headers: str,
                  in_memory: bool = False) -> Response:
    """A register file to download: `write(stream, fmt, headers)` writes CSV (UTF-8 with BOM, CRLF)
    to a text stream or an .xlsx workbook to a binary one, spooled in a temporary file (a register
    of any size), or sent from memory (`in_memory`: a township's document register, a template)."""
    if fmt not in FORMATS:
        refuse(404, "没有这种文件格式（应为 csv 或 xlsx）", "No such file format (csv or xlsx)")
    raw: IO[bytes]
    if fmt == "xlsx":
        raw = tempfile.TemporaryFile()
        write(raw, fmt, headers)
        raw.seek(0)
    else:
        raw = spooled_text(lambda text: write(text, fmt, headers))
    mimetype = XLSX_TYPE if fmt == "xlsx" else "text/csv"
    if in_memory:
        with raw:
            response = Response(raw.read(), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
        if fmt == "csv":
            response.headers["Content-Type"] = "text/csv; charset=utf-8"
        return response
    return sent_file(raw, mimetype, f"{stem}.{fmt}", text=fmt == "csv")


def spooled_text(write: Callable[[io.TextIOWrapper], Any]) -> IO[bytes]:
    """What `write` writes (text, UTF-8, newlines as written), in a temporary file ready to send."""
    raw = tempfile.TemporaryFile()
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    write(text)
    text.flush()
    text.detach()
    raw.seek(0)
    return raw


def sent_file(raw: IO[bytes], mimetype: str, name: str, text: bool = True) -> Response:
    """A spooled file as a download (never cached); a text one says it is UTF-8."""
    response = send_file(raw, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    if text:
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    return response


@dataclass(frozen=True)
class RowProblem:
    row: str               # the spreadsheet row ("" for the file as a whole)
    column: str            # the register's column ("" when the problem is the row's or the file's)
    message: str           # Chinese / English, as the domain wrote it


@dataclass(frozen=True)
class RegisterImport:
    """One register's upload: the register (engine/registers/kinds.py: its import, columns, template
    and job name), its page and where its skipped rows are kept."""
    kind: RegisterKind
    template: str                            # e.g. "documents/import.html"
    folder: str                              # its skipped rows' keys: imports/rejected/<folder>/<id>.csv
    session_key: str                         # the session's list of its downloadable rejected files

    def add_routes(self, bp: Blueprint, roles: Sequence[str], what: str) -> None:
        """The import's pages on a register's blueprint, for `roles`: the upload (`import_register`), its
        template (`import_template`, CSV or .xlsx), the rows it skipped (`rejected_csv`), and a large
        upload's job (`import_job`) and the rows that skipped (`import_job_rejected`)."""
        def import_register() -> Any:
            return self.handle()

        def import_template(fmt: str) -> Any:
            return self.template_file(fmt)

        def rejected_csv(rejected_id: str) -> Any:
            return self.rejected_file(rejected_id)

        import_register.__doc__ = (f"Upload {what}: refused whole with every bad row listed, or (skip-invalid) the "
                                   "good rows stored.")
        import_template.__doc__ = f"The template of {what} (CSV or .xlsx): the header row and one example row."
        rejected_csv.__doc__ = "The rows an import of this session skipped: the columns as given, plus `reason`."
        guard = role_required(*roles)
        bp.add_url_rule("/import", "import_register", guard(import_register), methods=["GET", "POST"])
        template_view = guard(import_template)
        for fmt in ("csv", "xlsx"):
            bp.add_url_rule(f"/import/template.{fmt}", "import_template", template_view, defaults={"fmt": fmt})
        bp.add_url_rule("/import/rejected/<rejected_id>", "rejected_csv", guard(rejected_csv))

        def import_job(job_id: str) -> Any:
            return self.job_page(job_id)

        def import_job_rejected(job_id: str) -> Any:
            return self.job_rejected_file(job_id)

        import_job.__doc__ = f"The progress, then the outcome, of an import of {what} run as a job."
        import_job_rejected.__doc__ = "The rows an import job skipped: the columns as given, plus `reason`."
        bp.add_url_rule("/import/jobs/<job_id>", "import_job", guard(import_job))
        bp.add_url_rule("/import/jobs/<job_id>/rejected.csv", "import_job_rejected", guard(import_job_rejected))

    def template_file(self, fmt: str) -> Any:
        """The register's template: the header row (Chinese by default, `?headers=en`) and one example row."""
        kind = self.kind
        return register_file(lambda out, f, headers: write_table([kind.example], kind.table, out, f, headers,
                                                                 every_column=True),
                             fmt, f"{kind.file_stem}-template", file_headers(), in_memory=True)

    def row_problems(self, problems: Sequence[Problem]) -> list[RowProblem]:
        """Each problem as (row, column, reason), sorted by row; the temporary file's path is never shown."""
        out = []
        for p in problems:
            match = ROW_PATH.fullmatch(p.path or "")
            row, column = (match.group(1), match.group(2) or "") if match else ("", "")
            out.append(RowProblem(row, column, p.message))
        order = {c: i for i, c in enumerate(self.kind.columns)}
        return sorted(out, key=lambda r: (int(r.row) if r.row else 0, order.get(r.column, -1)))

    def form(self, status: int = 200, **context: Any) -> Any:
        values = {"encoding": request.form.get("encoding", ""), "skip_invalid": request.form.get("skip_invalid") == "yes"}
        return render_template(self.template, values=values, errors=context.pop("errors", {}), **context), status

    def handle(self) -> Any:
        """GET: the form. POST: import the upload, refused whole with every bad row listed, or
        (skip-invalid) the good rows stored and the bad ones offered for download."""
        if request.method == "GET":
            return self.form()
        upload = request.files.get("file")
        encoding = request.form.get("encoding", "")
        skip_invalid = request.form.get("skip_invalid") == "yes"
        errors: dict[str, str] = {}
        if encoding not in ("", "utf-8", "gb18030"):
            errors["encoding"] = both("编码应为自动识别、utf-8 或 gb18030", "The encoding must be automatic, utf-8 or gb18030")
        with tempfile.TemporaryDirectory(prefix=f"yifa-{self.folder}-") as folder:
            # the reading goes by the file's bytes; the name only says what a bad file claimed to be
            filename = (upload.filename or "")[-200:] if upload is not None else ""
            suffix = Path(filename).suffix.lower()
            path = Path(folder) / ("upload" + (suffix if suffix in (".csv", ".xlsx", ".xls", ".xlsm") else ".csv"))
            if upload is not None and upload.filename:
                upload.save(path)            # streamed to disk: a register may be a few hundred megabytes
            if upload is not None:
                upload.close()
            if upload is None or not upload.filename:
                errors["file"] = both("请选择要导入的 CSV 或 .xlsx 文件", "Choose the CSV or .xlsx file to import")
            elif not path.stat().st_size:
                errors["file"] = both("文件为空", "The file is empty")
            if errors:
                return self.form(400, errors=errors)
            if path.stat().st_size > current_app.config["IMPORT_JOB_BYTES"]:
                return self.queue_job(path, filename, encoding or None, skip_invalid)
            return self.import_now(path, filename, encoding or None, skip_invalid)

    def import_now(self, path: Path, filename: str, encoding: str | None, skip_invalid: bool) -> Any:
        """Import the upload in this request: refused whole with every bad row, or the outcome."""
        uow = get_uow()
        rejected = io.StringIO(newline="")
        try:
            result = self.kind.import_file(uow, path, current_user.username, skip_invalid=skip_invalid,
                                           rejected_out=rejected, encoding=encoding)
        except InputError as refused:
            uow.rollback()
            return self.form(400, refused=self.row_problems(refused.problems), filename=filename)
        uow.commit()
        rejected_id = self.keep_rejected(rejected.getvalue()) if result.rejected else None
        counts = {"imported": len(result.imported), "updated": len(result.updated),
                  "unchanged": len(result.unchanged), "rejected_rows": len({p.path.split(",")[0] for p in result.rejected}),
                  "warnings": len(result.warnings)}
        return self.form(200, counts=counts, filename=filename, rejected=self.row_problems(result.rejected),
                         warnings=self.row_problems(result.warnings),
                         rejected_url=url_for(f"{request.blueprint}.rejected_csv", rejected_id=rejected_id)
                         if rejected_id else None)

    # ------------------------------------------------------------ a large upload: imported by a job
    def queue_job(self, path: Path, filename: str, encoding: str | None, skip_invalid: bool) -> Any:
        """Keep the upload, queue its import (engine/jobs/imports.py) and send the importer to its page."""
        from engine.jobs.imports import new_job
        from engine.registers.csvio import count_lines
        from engine.registers.xlsxio import ZIP_MAGIC
        with open(path, "rb") as stream:
            workbook = stream.read(len(ZIP_MAGIC)) == ZIP_MAGIC
        total = None if workbook else max(count_lines(path) - 1, 0)
        job = new_job(self.kind.name, current_user.username, filename, path, skip_invalid, encoding, total)
        get_uow().commit()          # the request's transaction ends first: a job run at once (immediate) writes
        job_queue().tasks.queue_import(current_app.config["DATABASE_URL"], job)
        return redirect(url_for(f"{request.blueprint}.import_job", job_id=job["id"]), 303)

    def _own_job(self, job_id: str) -> dict[str, Any]:
        """The job's state, for the one who started it only (404 for anyone else, as for no such job)."""
        from engine.jobs.imports import job_state
        job = job_state(job_queue().huey, job_id) if JOB_ID.fullmatch(job_id) else None
        if job is None or job["actor"] != current_user.username or job["register"] != self.kind.name:
            refuse(404, "没有这个导入任务（只对导入者本人可见）", "No such import job (shown to the importer only)")
        return job

    def job_page(self, job_id: str) -> Any:
        """The job's progress while it runs (the page reloads itself), then its outcome as the form shows one."""
        from engine.core import clock
        from engine.jobs.imports import DONE, ENDED, REFUSED
        from engine.jobs.state import interrupted
        job = self._own_job(job_id)
        problems = [Problem(job["filename"], path, message) for path, message in job["problems"]]
        stopped = interrupted(job, clock.now())
        context: dict[str, Any] = {"job": job, "running": job["state"] not in ENDED and not stopped,
                                   "interrupted": stopped, "filename": job["filename"]}
        if job["state"] == REFUSED:
            context["refused"] = self.row_problems(problems)
        elif job["state"] == DONE:
            context.update(counts={k: job[k] for k in ("imported", "updated", "unchanged", "rejected_rows")}
                           | {"warnings": job["warning_count"]},
                           rejected=self.row_problems(problems),
                           warnings=self.row_problems([Problem(job["filename"], path, message)
                                                       for path, message in job["warnings"]]),
                           rejected_url=url_for(f"{request.blueprint}.import_job_rejected", job_id=job_id)
                           if job["rejected_key"] else None)
        return self.form(200, **context)

    def job_rejected_file(self, job_id: str) -> Any:
        """The rows the job skipped (kept in the blob store), for the importer."""
        from engine.store.blobs import blob_store
        job = self._own_job(job_id)
        data = blob_store().get(job["rejected_key"]) if job.get("rejected_key") else None
        if data is None:
            refuse(404, "这个导入任务没有被跳过的行", "This import job skipped no rows")
        return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                         download_name="rejected-rows.csv", max_age=0)

    def _rejected_key(self, rejected_id: str = "") -> str:
        """The blob store's key of a file of skipped rows (without an id: their folder's)."""
        return f"imports/rejected/{self.folder}" + (f"/{rejected_id}.csv" if rejected_id else "")

    def forget_rows_kept_on_disk(self, instance: Path) -> int:
        """Remove the skipped rows that versions before the blob store kept in this server's instance
        folder (`<folder>/rejected-*.csv`): no page links them any more, and rows of people's records
        are not kept longer than their day. Give how many were removed."""
        folder = instance / self.folder
        old = sorted(folder.glob("rejected-*.csv")) if folder.is_dir() else []
        for path in old:
            path.unlink(missing_ok=True)
        if old and not any(folder.iterdir()):
            folder.rmdir()
        return len(old)

    def keep_rejected(self, text: str) -> str:
        """Keep the rejected rows' CSV for this session to download (a day at most) in the blob store,
        where every app server finds it; give its id (it says when it was kept)."""
        from engine.store.blobs import blob_store
        store = blob_store()
        now = int(_seconds_now())
        for key in store.keys(self._rejected_key()):     # tidy up: nothing is kept longer than a day
            kept = REJECTED_ID.fullmatch(key.rsplit("/", 1)[-1].removesuffix(".csv"))
            if kept is None or now - int(kept.group(1)) > KEEP_SECONDS:
                store.remove(key)
        rejected_id = f"{now}-{secrets.token_urlsafe(18)}"
        store.put(self._rejected_key(rejected_id), text.encode("utf-8"))
        session[self.session_key] = (session.get(self.session_key, []) + [rejected_id])[-PER_SESSION:]
        return rejected_id

    def rejected_file(self, rejected_id: str) -> Any:
        """The rows an import of this session skipped: the register's columns as given, plus `reason`."""
        from engine.store.blobs import blob_store
        kept = REJECTED_ID.fullmatch(rejected_id)
        if rejected_id not in session.get(self.session_key, []) or kept is None:
            refuse(404, "没有这份被拒绝行的文件（只保留一天，且只对导入者本人可见）",
                   "No such file of rejected rows (kept a day, for the importer only)")
        expired = _seconds_now() - int(kept.group(1)) > KEEP_SECONDS
        data = None if expired else blob_store().get(self._rejected_key(rejected_id))
        if data is None:
            refuse(404, "被拒绝行的文件已过期",
                   "The file of rejected rows has expired")
        return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name="rejected-rows.csv",
                         max_age=0)
