"""``core.inserts``: a row and its history written by the compiled INSERT are the rows
``save()`` and django-simple-history write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import DataError, IntegrityError, connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from yingji.accounts.choices import Role
from yingji.core.inserts import (
    _naive_datetime,
    insert,
    insert_with_history,
    prepare,
    prepare_with_history,
    write,
    write_transaction,
)
from yingji.core.services import save_with_history
from yingji.core.testing.world import World, build_world
from yingji.geo.choices import CoordinateSystem
from yingji.geo.h3index import cell_of
from yingji.incidents.choices import ReportKind, ReportMode, Severity, SourceChannel
from yingji.incidents.models import Incident, IncidentLog, Report
from yingji.incidents.tests.factories import IN_COUNTY_A, incident_type

pytestmark = pytest.mark.django_db

# Set by the database or by the clock: differ between any two rows.
VOLATILE = {"id", "created_at", "updated_at", "history_id", "history_date", "idempotency_key"}


# One receipt time for every incident built here: rows compared field by field must not
# differ because the clock passed a second between building them.
RECEIVED = timezone.now().replace(microsecond=123456)


def _incident(world: World, **extra: Any) -> Incident:
    received = RECEIVED
    values: dict[str, Any] = {
        "title": "历下区测试路段积水",
        "incident_type": incident_type("11A02"),
        "severity": Severity.LARGER,
        "occurred_at": received - dt.timedelta(minutes=20),
        "received_at": received,
        "escalated_at": received,
        "description": "道路积水约 40 厘米。",
        "direct_loss": Decimal("12.34"),
        "injuries": 2,
        "source_channel": SourceChannel.PHONE,
        "reporting_unit": world.unit_a,
        "reporter_name": "张三",
        "is_sensitive": True,
        "region": world.county_a,
        "owner_unit": world.unit_a,
        "created_by": world.user(Role.COUNTY_OFFICER, "a"),
    }
    incident = Incident(**(values | extra))
    incident.set_point(*IN_COUNTY_A, CoordinateSystem.WGS84)
    return incident


def _row(model: Any, **lookup: Any) -> dict[str, Any]:
    row: dict[str, Any] = model.objects.filter(**lookup).values().get()
    return {k: v for k, v in row.items() if k not in VOLATILE}


def _intake(world: World, **extra: Any) -> tuple[Incident, Report, IncidentLog, list[Any]]:
    """The intake's rows: an incident, its 首报, their history and the timeline step."""
    officer = world.user(Role.COUNTY_OFFICER, "a")
    incident = _incident(world, **extra)
    report = Report(
        incident=incident,
        kind=ReportKind.INITIAL,
        sequence=0,
        mode=ReportMode.PHONE,
        submitted_at=incident.received_at,
        body="首报",
    )
    log = IncidentLog(incident=incident, action="reported", message="接报", at=timezone.now())
    rows = [
        *prepare_with_history(incident, actor=officer, reason="接报"),
        *prepare_with_history(report, actor=officer, reason="首报"),
        prepare(log),
    ]
    return incident, report, log, rows


def _written_rows() -> int:
    histories = Incident.history.model, Report.history.model  # type: ignore[attr-defined]
    models = (Incident, Report, IncidentLog, *histories)
    return sum(model.objects.count() for model in models)


def _inserts(queries: list[dict[str, Any]]) -> list[str]:
    return [q["sql"] for q in queries if "INSERT" in q["sql"] or "nextval" in q["sql"]]


def test_an_incident_and_its_history_are_the_rows_save_writes() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    saved = save_with_history(_incident(world), actor=officer, reason="接报")
    inserted = insert_with_history(_incident(world), actor=officer, reason="接报")

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == saved._state.db
    assert _row(Incident, pk=inserted.pk) == _row(Incident, pk=saved.pk)
    fresh = Incident.objects.get(pk=inserted.pk)
    assert fresh.created_at is not None and fresh.updated_at is not None  # auto_now(_add)
    assert fresh.direct_loss == Decimal("12.34") and fresh.is_sensitive is True
    history = Incident.history.model  # type: ignore[attr-defined]
    ours, theirs = _row(history, id=inserted.pk), _row(history, id=saved.pk)
    assert ours == theirs
    assert ours["history_type"] == "+" and ours["history_change_reason"] == "接报"
    assert ours["history_user_id"] == officer.pk


def test_times_are_converted_as_djangos_own_field_converts_them() -> None:
    """``prepare`` converts an aware datetime itself (SQLite: naive text in the
    connection's zone; PostgreSQL: the datetime): the same value Django would send."""
    field = Incident._meta.get_field("occurred_at")
    shanghai = dt.timezone(dt.timedelta(hours=8))
    convert = _naive_datetime(connection)
    assert convert is not None
    for value in (
        dt.datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=shanghai),
        dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        timezone.now(),
    ):
        assert convert(value) == field.get_db_prep_save(value, connection=connection)


def test_the_time_of_a_new_row_is_set_on_it_as_stored() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    incident = insert_with_history(_incident(world), actor=officer, reason="接报")
    fresh = Incident.objects.get(pk=incident.pk)
    assert incident.created_at == fresh.created_at == incident.updated_at == fresh.updated_at


def test_a_report_and_its_history_match_too_and_the_point_cell_is_derived() -> None:
    world = build_world()
    incident = _incident(world)
    incident.h3_cell = ""  # prepare_save derives it, as save() does
    insert(incident)
    assert Incident.objects.get(pk=incident.pk).h3_cell == cell_of(*IN_COUNTY_A)

    def report(incident: Incident) -> Report:
        return Report(
            incident=incident,
            kind=ReportKind.INITIAL,
            sequence=0,
            mode=ReportMode.PHONE,
            unit=world.unit_a,
            submitted_by=world.user(Role.COUNTY_OFFICER, "a"),
            submitted_at=incident.received_at,
            body="首报内容",
            injuries=2,
            direct_loss=None,
        )

    saved = save_with_history(report(insert(_incident(world))), actor=None, reason="")
    inserted = insert_with_history(report(incident), actor=None)
    assert _row(Report, pk=inserted.pk) == {**_row(Report, pk=saved.pk), "incident_id": incident.pk}
    history = Report.history.model  # type: ignore[attr-defined]
    ours = _row(history, id=inserted.pk)
    assert ours == {**_row(history, id=saved.pk), "incident_id": incident.pk}
    assert ours["history_user_id"] is None and ours["history_change_reason"] is None


def test_lazy_strings_are_stored_as_text() -> None:
    world = build_world()
    incident = insert(_incident(world, address=gettext_lazy("地址")))
    assert Incident.objects.get(pk=incident.pk).address == "地址"


def test_an_expression_takes_djangos_own_path() -> None:
    world = build_world()
    incident = insert(_incident(world))
    entry = insert(IncidentLog(incident=incident, action="reported", message="接报", at=Now()))
    assert entry.pk is not None
    assert isinstance(IncidentLog.objects.get(pk=entry.pk).at, dt.datetime)


def test_an_unsaved_related_object_is_refused_as_save_refuses_it() -> None:
    world = build_world()
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(Report(incident=_incident(world), kind=ReportKind.INITIAL, sequence=0))
    assert not Report.objects.exists()


def test_rows_prepared_together_take_the_keys_of_the_rows_written_before() -> None:
    """The intake's shape: the 首报 and the timeline step refer to an incident not written
    yet; every value is prepared first, the keys are filled in as the rows are written."""
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    incident, report, log, rows = _intake(world)
    assert incident.pk is None and not Incident.objects.exists()  # nothing written yet
    write(rows)

    assert Report.objects.get(pk=report.pk).incident_id == incident.pk
    assert IncidentLog.objects.get(pk=log.pk).incident_id == incident.pk
    incident_history = Incident.history.model  # type: ignore[attr-defined]
    report_history = Report.history.model  # type: ignore[attr-defined]
    assert incident_history.objects.get(id=incident.pk).history_change_reason == "接报"
    record = report_history.objects.get(id=report.pk)
    assert record.incident_id == incident.pk and record.history_user_id == officer.pk
    # the same rows as written one by one
    again = _incident(world)
    insert_with_history(again, actor=officer, reason="接报")
    assert _row(Incident, pk=incident.pk) == _row(Incident, pk=again.pk)


def test_a_key_whose_row_is_never_written_is_refused_before_anything_runs() -> None:
    world = build_world()
    incident = _incident(world)
    rows = prepare_with_history(
        Report(incident=incident, kind=ReportKind.INITIAL, sequence=0, mode=ReportMode.PHONE),
        actor=None,
    )
    with pytest.raises(ValueError, match="unsaved related object 'incident'"):
        write(rows)  # the incident is not among the rows
    assert not Report.objects.exists()


def test_the_other_relations_of_a_row_waiting_for_a_key_are_checked_as_save_checks_them() -> None:
    """Only the relation whose row is not written yet is left out of Django's check: a
    related object saved after it was assigned still gives its key, as in ``save()``."""
    from yingji.accounts.choices import UnitKind
    from yingji.accounts.models import Unit

    world = build_world()
    incident = _incident(world)
    unit = Unit(name="历下区测试街道办", region=world.county_a, kind=UnitKind.EMERGENCY_OFFICE)
    report = Report(
        incident=incident,
        kind=ReportKind.INITIAL,
        sequence=0,
        mode=ReportMode.PHONE,
        unit=unit,
        submitted_at=RECEIVED,
    )
    unit.save()  # after the assignment: the report's unit_id is still empty
    assert report.unit_id is None
    write([*prepare_with_history(incident, actor=None), *prepare_with_history(report, actor=None)])
    assert Report.objects.get(pk=report.pk).unit_id == unit.pk
    assert Report.objects.get(pk=report.pk).incident_id == incident.pk


def test_rows_written_as_a_transaction_are_the_rows_written_one_by_one() -> None:
    world = build_world()
    incident, report, log, rows = _intake(world)
    with CaptureQueriesContext(connection) as captured:
        write_transaction(rows)
    assert Report.objects.get(pk=report.pk).incident_id == incident.pk
    assert IncidentLog.objects.get(pk=log.pk).incident_id == incident.pk
    record = Report.history.model.objects.get(id=report.pk)  # type: ignore[attr-defined]
    assert record.incident_id == incident.pk and record.history_change_reason == "首报"
    assert _written_rows() == 5
    again = _incident(world)
    write([*prepare_with_history(again, actor=None)])
    assert _row(Incident, pk=incident.pk) == _row(Incident, pk=again.pk)
    if connection.vendor == "postgresql":
        # the keys from their sequences, then every INSERT in one query
        assert len(_inserts(captured.captured_queries)) == 2
    else:
        assert len(_inserts(captured.captured_queries)) == 5


HOSTILE = "O'Brien \\ 50% %s %(x)s -- ; DROP TABLE x; \n第二行 😀 $$ E'\\x00'"


def test_any_text_is_stored_as_given_whichever_way_the_rows_go() -> None:
    """On PostgreSQL the one-query path merges the values into the SQL itself (as
    psycopg's client-side cursor does): quotes, backslashes, ``%``, placeholders in the
    text, newlines and emoji come back exactly, as when written row by row."""
    world = build_world()
    same = {"description": HOSTILE, "reporter_name": "%s", "address": ""}
    one_query, *_, rows = _intake(world, **same)
    write_transaction(rows)
    by_row, *_, rows = _intake(world, **same)
    write(rows)
    stored = Incident.objects.get(pk=one_query.pk)
    assert stored.description == HOSTILE and stored.reporter_name == "%s"
    assert stored.address == "" and stored.direct_loss == Decimal("12.34")
    assert _row(Incident, pk=one_query.pk) == _row(Incident, pk=by_row.pk)
    history = Incident.history.model  # type: ignore[attr-defined]
    assert _row(history, id=one_query.pk) == _row(history, id=by_row.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's one query")
def test_statements_with_another_kind_of_percent_are_left_to_psycopg() -> None:
    from yingji.core.inserts import _bound

    connection.ensure_connection()
    merged, left = _bound(connection, ["SELECT %s", "SELECT %s || 'a'"], ["x'y", None])
    assert (merged, left) == ("SELECT 'x''y';\nSELECT NULL || 'a'", None)
    as_is, params = _bound(connection, ["SELECT %s, 5 %% 3"], [1])
    assert (as_is, params) == ("SELECT %s, 5 %% 3", [1])
    with pytest.raises(ValueError):
        _bound(connection, ["SELECT %s"], [1, 2])


def test_a_row_that_fails_leaves_none_of_them() -> None:
    world = build_world()
    write(_intake(world, idempotency_key="k-1")[3])
    *_, rows = _intake(world, idempotency_key="k-1")  # the incident's key is taken
    with pytest.raises(IntegrityError):
        write_transaction(rows)
    assert _written_rows() == 5  # the first intake's only


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_rows_are_one_of_their_own() -> None:
    """The intake's case: no transaction open. On PostgreSQL two statements (keys, then
    the INSERTs as one query that the server runs as one transaction), no BEGIN/COMMIT."""
    world = build_world()
    incident, report, _, rows = _intake(world, idempotency_key="k-2")
    with CaptureQueriesContext(connection) as captured:
        write_transaction(rows)
    assert not connection.in_atomic_block
    assert Report.objects.get(pk=report.pk).incident_id == incident.pk
    if connection.vendor == "postgresql":
        assert len(captured.captured_queries) == 2
    # A failure in the last statement rolls back all (PostgreSQL: a value too long for its
    # column; SQLite does not check lengths, so there the first row: the key is taken).
    failure: type[Exception]
    if connection.vendor == "postgresql":
        *_, log, rows = _intake(world, idempotency_key="k-3")
        log.action = "x" * 500
        rows[-1] = prepare(log)
        failure = DataError
    else:
        *_, rows = _intake(world, idempotency_key="k-2")
        failure = IntegrityError
    before = _written_rows()
    with pytest.raises(failure):
        write_transaction(rows)
    assert _written_rows() == before


@pytest.mark.django_db(transaction=True)
def test_the_rows_are_announced_once_committed() -> None:
    """``post_create_historical_record`` (and a task's ``task_enqueued``) run after the
    rows' own transaction has committed: SQLite's one write lock is not held for them."""
    from simple_history.signals import post_create_historical_record

    world = build_world()
    incident, report, _, rows = _intake(world, idempotency_key="k-4")
    seen: list[tuple[bool, bool]] = []

    def announced(sender: Any, history_instance: Any, **kwargs: Any) -> None:
        seen.append((connection.in_atomic_block, Incident.objects.filter(pk=incident.pk).exists()))

    post_create_historical_record.connect(announced)
    try:
        write_transaction(rows)
    finally:
        post_create_historical_record.disconnect(announced)
    assert seen == [(False, True), (False, True)]  # the incident's and the report's records
    assert Report.objects.get(pk=report.pk).incident_id == incident.pk
