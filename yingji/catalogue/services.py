"""Writes of the catalogue app: census import jobs and layer stewards.

:func:`import_job_create` takes an upload, checks the file as a whole (format, headers,
size — a :class:`ValidationError` on ``file`` otherwise, i.e. a 400), records an
:class:`ImportJob` and either runs it at once (small files) or queues the
``census_import`` task. :func:`import_job_run` does the work and is safe to call twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from yingji.core.models import permission_name
from yingji.core.services import save_with_history

from .census import CensusSpec, get_spec
from .importer import Importer, Outcome
from .models import ImportJob, ImportMode, ImportStatus, LayerSteward
from .workbook import FileProblem, Table, build_fault_report, map_headers, read_table

logger = logging.getLogger(__name__)

MAX_STORED_FAULTS = 20_000
PHASE_WEIGHT = {"check": (0.0, 0.3), "write": (0.3, 0.7)}


def inline_rows() -> int:
    """Files up to this many rows are imported during the upload request itself."""
    return int(getattr(settings, "YINGJI_CENSUS_INLINE_ROWS", 1000))


def _job_region(actor: Any) -> Any:
    unit = getattr(actor, "unit", None)
    if unit is not None:
        return unit.region
    if actor.is_superuser:
        from yingji.geo.models import Region

        return Region.objects.filter(parent__isnull=True).order_by("code").first()
    return None


def check_import_permission(*, actor: Any, spec: CensusSpec, update_existing: bool) -> None:
    model = spec.permission_model
    if not actor.has_perm(permission_name(model, "add")):
        raise PermissionDenied(_("您的角色不能导入“%(t)s”。") % {"t": spec.title})
    if update_existing and not actor.has_perm(permission_name(model, "change")):
        raise PermissionDenied(_("您的角色不能修改“%(t)s”的已有记录。") % {"t": spec.title})
    if not actor.is_superuser and not getattr(actor, "scope_path", None):
        raise PermissionDenied(_("您的账号没有所属单位和辖区，不能导入。"))


def import_job_create(
    *,
    actor: Any,
    spec: CensusSpec,
    upload: Any,
    mode: str = ImportMode.ALL_OR_NOTHING,
    update_existing: bool = False,
    crs: str = "wgs84",
    run_now: bool | None = None,
) -> ImportJob:
    """Record an upload and import it (now if small, else as a background task)."""
    check_import_permission(actor=actor, spec=spec, update_existing=update_existing)
    if mode not in ImportMode.values:
        raise ValidationError({"mode": [_("导入方式不正确。")]})
    name = str(getattr(upload, "name", "") or "upload.xlsx")
    try:
        content = upload.read()
    except Exception:
        raise ValidationError({"file": [_("文件读取失败，请重新上传。")]}) from None
    try:
        table = read_table(content, name)
        map_headers(spec, table.headers)
    except FileProblem as problem:
        raise ValidationError({"file": [str(problem)]}) from None
    if not table.rows:
        raise ValidationError({"file": [_("表格中只有表头，没有数据行。")]})
    region = _job_region(actor)
    if region is None:
        raise PermissionDenied(_("您的账号没有所属单位和辖区，不能导入。"))
    with transaction.atomic():
        job = ImportJob(
            registry=spec.key,
            created_by=actor,
            region=region,
            owner_unit=getattr(actor, "unit", None),
            original_name=name[:255],
            mode=mode,
            update_existing=update_existing,
            crs=crs,
            total_rows=len(table.rows),
        )
        safe = get_valid_filename(os.path.basename(name)) or "upload"
        job.file.save(safe[-120:], ContentFile(content), save=False)
        save_with_history(job, actor=actor, reason=_("上传普查文件"))
    if run_now is None:
        run_now = len(table.rows) <= inline_rows()
    if run_now:
        return _run(job, table)
    from .tasks import census_import

    transaction.on_commit(lambda: census_import.enqueue(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job (the task's body). A job already started or finished is left alone;
    ``None`` if there is no job ``job_id`` (deleted since it was queued)."""
    with transaction.atomic():
        job: ImportJob | None = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportStatus.QUEUED:
            return job
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        table = read_table(content, job.original_name)
    except FileProblem as problem:
        return _fail(job, str(problem))
    except OSError:
        return _fail(job, _("上传的文件已不在服务器上，请重新上传。"))
    return _run(job, table)


def _run(job: ImportJob, table: Table) -> ImportJob:
    spec = get_spec(job.registry)
    if spec is None:
        return _fail(job, _("没有这个数据图层的普查模板：%(k)s") % {"k": job.registry})
    if job.status == ImportStatus.QUEUED:
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(
            status=job.status, started_at=job.started_at, updated_at=timezone.now()
        )

    def progress(phase: str, done: int, total: int) -> None:
        report_progress(job, phase, done, total)

    importer = Importer(
        spec,
        job.created_by,
        mode=job.mode,
        update_existing=job.update_existing,
        default_crs=job.crs,
        progress=progress,
    )
    try:
        outcome = importer.run(table)
    except FileProblem as problem:
        return _fail(job, str(problem))
    except Exception:  # never a 500, never a job stuck "running": record and report it
        logger.exception("census import %s failed", job.pk)
        return _fail(job, _("导入时发生意外错误，已记录，请联系管理员。"))
    return _finish(job, spec, table, outcome)


def _finish(job: ImportJob, spec: CensusSpec, table: Table, outcome: Outcome) -> ImportJob:
    faults = [f.as_dict() for f in outcome.faults]
    job.total_rows = outcome.total
    job.processed_rows = outcome.total
    job.created_count = outcome.created
    job.updated_count = outcome.updated
    job.fault_rows = outcome.fault_rows
    job.fault_count = len(faults)
    job.faults = faults[:MAX_STORED_FAULTS]
    job.phase = "done"
    job.finished_at = timezone.now()
    job.seconds = outcome.seconds
    notes = []
    if outcome.unknown_headers:
        notes.append(
            _("以下列不在模板中，已忽略：%(h)s。") % {"h": "、".join(outcome.unknown_headers[:20])}
        )
    if job.mode == ImportMode.VALIDATE:
        job.status = ImportStatus.CHECKED
        notes.append(
            _("检查完成：%(n)s 行中 %(b)s 行有错误，未写入任何数据。")
            % {"n": outcome.total, "b": outcome.fault_rows}
        )
    elif not faults:
        job.status = ImportStatus.DONE
        notes.append(
            _("全部 %(n)s 行导入成功：新增 %(c)s 条，更新 %(u)s 条。")
            % {"n": outcome.total, "c": outcome.created, "u": outcome.updated}
        )
    elif job.mode == ImportMode.ALL_OR_NOTHING or not outcome.written:
        job.status = ImportStatus.REJECTED
        notes.append(
            _(
                "%(b)s 行有错误（共 %(f)s 处），按“全部成功才导入”未导入任何数据。请按错误报告修改后重新导入。"
            )
            % {"b": outcome.fault_rows, "f": len(faults)}
            if job.mode == ImportMode.ALL_OR_NOTHING
            else _("所有行都有错误，未导入任何数据。")
        )
    else:
        job.status = ImportStatus.PARTIAL
        notes.append(
            _("导入 %(ok)s 行（新增 %(c)s 条，更新 %(u)s 条）；%(b)s 行有错误未导入，见错误报告。")
            % {
                "ok": outcome.created + outcome.updated,
                "c": outcome.created,
                "u": outcome.updated,
                "b": outcome.fault_rows,
            }
        )
    job.message = "\n".join(notes)
    if faults:
        raw = dict(table.rows)
        content = build_fault_report(table.headers, raw, faults, str(spec.title))
        job.report.save(f"faults-{job.pk}.xlsx", ContentFile(content), save=False)
    save_with_history(job, actor=job.created_by, reason=job.get_status_display())
    _clear_progress(job.pk)
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportStatus.FAILED
    job.message = message
    job.finished_at = timezone.now()
    save_with_history(job, actor=job.created_by, reason=_("导入失败"))
    _clear_progress(job.pk)
    return job


# --- Progress -----------------------------------------------------------------------------
# Written to the job row when no transaction is open; always to a small file beside the
# uploads as well, so that the page sees progress while an all-or-nothing import holds
# its one transaction open.


def _progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "census" / "progress" / f"{job_id}.json"


def report_progress(job: ImportJob, phase: str, done: int, total: int) -> None:
    start, weight = PHASE_WEIGHT.get(phase, (0.0, 1.0))
    share = start + weight * (done / total if total else 1.0)
    data = {"phase": phase, "done": done, "total": total, "progress": round(min(share, 0.999), 4)}
    path = _progress_path(job.pk)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)
    except OSError:
        pass
    if not connection.in_atomic_block:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, phase=phase)


def read_progress(job: ImportJob) -> dict[str, Any]:
    """Where a job stands: phase, rows done of the phase's total, overall share 0–1."""
    if job.finished:
        return {"phase": "done", "done": job.total_rows, "total": job.total_rows, "progress": 1.0}
    try:
        return dict(json.loads(_progress_path(job.pk).read_text()))
    except (OSError, ValueError):
        return {
            "phase": job.phase or "queued",
            "done": job.processed_rows,
            "total": job.total_rows,
            "progress": 0.0,
        }


def _clear_progress(job_id: int) -> None:
    with contextlib.suppress(OSError):
        _progress_path(job_id).unlink()


# --- Stewards -----------------------------------------------------------------------------


@transaction.atomic
def steward_set(
    *, actor: Any, layer: str, unit: Any, update_cycle: str = "", standard_notes: str = ""
) -> LayerSteward:
    """Name the department responsible for a layer (the city administrator)."""
    steward = LayerSteward.objects.filter(layer=layer).first()
    action = "change" if steward is not None else "add"
    if actor is not None and not actor.has_perm(permission_name(LayerSteward, action)):
        raise PermissionDenied(_("只有市级管理员可以指定图层责任单位。"))
    steward = steward or LayerSteward(layer=layer)
    steward.unit = unit
    steward.update_cycle = update_cycle
    steward.standard_notes = standard_notes
    steward.full_clean()
    return save_with_history(steward, actor=actor, reason=_("指定图层责任单位"))
