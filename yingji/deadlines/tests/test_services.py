"""The deadline engine with a controlled clock: every time passes through ``now=``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.accounts.choices import Role
from yingji.deadlines import services
from yingji.deadlines.choices import (
    Anchor,
    DeadlineStatus,
    FindingKind,
    FindingStatus,
    Requirement,
)
from yingji.deadlines.models import Deadline, DeadlineRule, Finding
from yingji.incidents.choices import IncidentStatus, ReportKind, ReportMode, SourceChannel
from yingji.incidents.models import Notification

from .factories import T0, at, make_incident, make_report

pytestmark = pytest.mark.django_db


def deadline(incident, kind, sequence=None):
    rows = Deadline.objects.filter(incident=incident, kind=kind)
    if sequence is not None:
        rows = rows.filter(sequence=sequence)
    return rows.exclude(status=DeadlineStatus.WAIVED).order_by("-sequence").first()


def county_rule(
    world, *, region=None, minutes=60, requirement=Requirement.INITIAL_WRITTEN, **extra
):
    rule = DeadlineRule(
        region=region or world.county_a,
        name="历下区一般事件书面首报",
        severity=extra.pop("severity", 4),
        requirement=requirement,
        anchor=extra.pop("anchor", Anchor.OCCURRED),
        minutes=minutes,
        source="历下区突发事件信息报告办法（测试）",
        **extra,
    )
    return services.rule_save(actor=world.user(Role.CITY_ADMIN), rule=rule)


# --- computing deadlines from the default rules ---------------------------------------------


def test_general_incident_gets_two_hour_initial_deadlines_counted_from_occurrence(world):
    incident = make_incident(world, severity=4, occurred=at(-30), received=T0)
    services.deadlines_on_incident(incident=incident, now=T0)
    kinds = set(Deadline.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == {Requirement.INITIAL_PHONE, Requirement.INITIAL_WRITTEN}
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert written.due_at == at(90)  # occurred 08:30 + 120 min
    assert written.responsible_unit == world.unit_a
    assert "济南" in written.basis and "120" in written.basis


def test_major_incident_gets_national_limits_and_escalation_requirements(world):
    incident = make_incident(world, severity=2)
    make_report(incident, when=at(10), scene_contact_name="张三", scene_contact_phone="13800000000")
    services.deadlines_on_incident(incident=incident, now=at(10))
    assert deadline(incident, Requirement.INITIAL_PHONE).status == DeadlineStatus.MET
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert (written.status, written.due_at) == (DeadlineStatus.PENDING, at(60))
    assert deadline(incident, Requirement.SCENE_LIAISON).status == DeadlineStatus.MET
    followup = deadline(incident, Requirement.FOLLOWUP)
    assert (followup.sequence, followup.due_at) == (1, at(130))  # 2 h after the 首报
    assert followup.label == "续报一"
    daily = deadline(incident, Requirement.DAILY)
    assert daily.due_at == T0.replace(hour=8) + dt.timedelta(days=1)  # next 08:00 after 12 h


def test_hooks_are_idempotent(world):
    incident = make_incident(world, severity=3)
    make_report(incident, when=at(5))
    for _ in range(3):
        services.deadlines_on_incident(incident=incident, now=at(5))
        services.deadlines_on_report(report=incident.reports.first(), now=at(5))
    assert Deadline.objects.filter(incident=incident).count() == 5
    assert Finding.objects.count() == 0


# --- the boundaries -----------------------------------------------------------------------


def test_report_exactly_at_due_time_is_met(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    report = make_report(incident, when=at(120), mode=ReportMode.WRITTEN)
    services.deadlines_on_report(report=report, now=at(120))
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert written.status == DeadlineStatus.MET
    assert written.fulfilled_by == report and written.met_at == at(120)
    assert not Finding.objects.exists()


def test_report_one_second_late_is_late_with_minutes_and_a_finding(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    report = make_report(incident, when=at(120, seconds=1), mode=ReportMode.WRITTEN)
    services.deadlines_on_report(report=report, now=at(121))
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert written.status == DeadlineStatus.LATE
    assert written.late_minutes == 1
    finding = Finding.objects.get(deadline=written)
    assert (finding.kind, finding.status) == (FindingKind.LATE, FindingStatus.CONFIRMED)
    assert finding.unit == world.unit_a


def test_check_at_due_time_waits_one_second_after_marks_late(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert services.deadline_check(deadline_id=written.pk, now=at(120)) != "late"
    written.refresh_from_db()
    assert written.status == DeadlineStatus.PENDING
    assert services.deadline_check(deadline_id=written.pk, now=at(120, seconds=1)) == "late"
    written.refresh_from_db()
    assert written.status == DeadlineStatus.LATE and written.late_marked_at == at(120, seconds=1)
    assert written.met_at is None


def test_check_twice_makes_one_finding_and_one_late_notice(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    for _ in range(2):
        services.deadline_check(deadline_id=written.pk, now=at(125))
    assert Finding.objects.filter(deadline=written, kind=FindingKind.LATE).count() == 1
    late_notices = Notification.objects.filter(kind="deadline_late")
    recipients = list(late_notices.values_list("recipient_id", flat=True))
    assert len(recipients) == len(set(recipients)) > 0
    # The safety net marks only the other overdue deadline (the phone one), then nothing.
    assert services.check_overdue(now=at(130)) == 1
    assert services.check_overdue(now=at(131)) == 0
    assert Finding.objects.filter(kind=FindingKind.LATE).count() == 2


def test_report_after_the_lateness_check_is_late_not_met(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    services.deadline_check(deadline_id=written.pk, now=at(121))
    report = make_report(incident, when=at(150), mode=ReportMode.WRITTEN)
    services.deadlines_on_report(report=report, now=at(150))
    written.refresh_from_db()
    assert written.status == DeadlineStatus.LATE
    assert (written.met_at, written.fulfilled_by, written.late_minutes) == (at(150), report, 30)
    assert Finding.objects.filter(deadline=written).count() == 1


def test_report_dated_in_time_but_entered_after_the_check_clears_the_late_mark(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    services.deadline_check(deadline_id=written.pk, now=at(121))
    report = make_report(incident, when=at(119), mode=ReportMode.WRITTEN)  # a call at 10:59
    services.deadlines_on_report(report=report, now=at(123))
    written.refresh_from_db()
    assert written.status == DeadlineStatus.MET
    assert Finding.objects.get(deadline=written).status == FindingStatus.DISMISSED


def test_check_after_the_report_arrived_changes_nothing(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    report = make_report(incident, when=at(60), mode=ReportMode.WRITTEN)
    services.deadlines_on_report(report=report, now=at(60))
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert services.deadline_check(deadline_id=written.pk, now=at(500)) == "done"
    written.refresh_from_db()
    assert written.status == DeadlineStatus.MET
    assert services.deadline_check(deadline_id=987654, now=at(500)) == "gone"


# --- reminders ------------------------------------------------------------------------------


def test_reminders_go_to_the_unit_and_the_duty_room_once(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert written.next_check_at == at(110)  # ten minutes before due
    assert services.deadline_check(deadline_id=written.pk, now=at(110)) == "reminded"
    assert services.deadline_check(deadline_id=written.pk, now=at(111)) == "waiting"
    notices = Notification.objects.filter(kind="deadline_reminder")
    recipients = {n.recipient for n in notices}
    assert world.user(Role.COUNTY_OFFICER, "a") in recipients
    assert world.user(Role.DUTY_OFFICER, "city") in recipients
    assert world.user(Role.COUNTY_OFFICER, "b") not in recipients
    assert notices.count() == len(recipients)
    assert "还剩10分钟" in notices.first().message
    written.refresh_from_db()
    assert written.reminded_at == at(110) and written.next_check_at == at(120)
    services.deadline_check(deadline_id=written.pk, now=at(120))
    assert "时限已到" in Notification.objects.filter(kind="deadline_reminder").first().message


def test_no_reminder_for_another_county(world):
    incident = make_incident(world, severity=4, region=world.county_b)
    services.deadlines_on_incident(incident=incident, now=T0)
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    services.deadline_check(deadline_id=written.pk, now=at(115))
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert "county_officer-a" not in recipients and "county_officer-b" in recipients


# --- rules by region ------------------------------------------------------------------------


def test_stricter_county_rule_applies_to_that_county_only(world):
    county_rule(world, minutes=60)
    in_a = make_incident(world, severity=4, region=world.township_a)
    in_b = make_incident(world, severity=4, region=world.county_b)
    for incident in (in_a, in_b):
        services.deadlines_on_incident(incident=incident, now=T0)
    assert deadline(in_a, Requirement.INITIAL_WRITTEN).due_at == at(60)
    assert deadline(in_b, Requirement.INITIAL_WRITTEN).due_at == at(120)
    # Other requirements in county A still follow the city.
    assert deadline(in_a, Requirement.INITIAL_PHONE).due_at == at(120)


def test_laxer_county_rule_is_refused_with_the_parent_rule_named(world):
    with pytest.raises(ValidationError) as caught:
        county_rule(world, minutes=180)
    message = caught.value.message_dict["minutes"][0]
    assert "不能宽于上级" in message and "120" in message and "济南市" in message
    assert not DeadlineRule.objects.filter(region=world.county_a).exists()


def test_county_rule_counting_from_receipt_is_laxer_than_from_occurrence(world):
    with pytest.raises(ValidationError) as caught:
        county_rule(world, minutes=100, anchor=Anchor.RECEIVED)
    assert "anchor" in caught.value.message_dict


def test_county_rule_for_every_level_must_be_stricter_for_each(world):
    # 60 min is stricter than 一般/较大's 120 but laxer than 重大's 60? equal is fine; 90 is not.
    county_rule(world, minutes=60, severity=None)
    with pytest.raises(ValidationError):
        county_rule(world, minutes=90, severity=None, region=world.county_b)


def test_county_officer_may_add_a_stricter_rule_only_in_their_county(world):
    officer = world.user(Role.COUNTY_OFFICER, "a")
    rule = DeadlineRule(
        region=world.county_a,
        name="历下区较大事件电话首报",
        severity=3,
        requirement=Requirement.INITIAL_PHONE,
        anchor=Anchor.OCCURRED,
        minutes=30,
        source="历下区规定",
    )
    services.rule_save(actor=officer, rule=rule)
    other = DeadlineRule(
        region=world.county_b,
        name="x",
        severity=3,
        requirement=Requirement.INITIAL_PHONE,
        anchor=Anchor.OCCURRED,
        minutes=30,
        source="x",
    )
    with pytest.raises(PermissionDenied):
        services.rule_save(actor=officer, rule=other)
    city_rule = DeadlineRule.objects.get(key="national-major-phone-s1")
    city_rule.minutes = 10
    with pytest.raises(PermissionDenied):
        services.rule_save(actor=officer, rule=city_rule)
    with pytest.raises(PermissionDenied):
        services.rule_save(actor=world.user(Role.VIEWER, "city"), rule=city_rule)


def test_overlapping_active_rules_in_one_region_are_refused(world):
    duplicate = DeadlineRule.objects.get(key="jinan-general-larger-written-s4")
    duplicate.pk = None
    duplicate.key = None
    with pytest.raises(ValidationError) as caught:
        services.rule_save(actor=world.user(Role.CITY_ADMIN), rule=duplicate)
    assert "重叠" in caught.value.message_dict["requirement"][0]


def test_rule_field_checks(world):
    admin = world.user(Role.CITY_ADMIN)
    bad = [
        (
            {"requirement": Requirement.DAILY, "anchor": Anchor.RECEIVED, "times_of_day": []},
            "times_of_day",
        ),
        (
            {
                "requirement": Requirement.DAILY,
                "anchor": Anchor.RECEIVED,
                "times_of_day": ["25:00"],
            },
            "times_of_day",
        ),
        ({"requirement": Requirement.FINAL, "anchor": Anchor.OCCURRED, "minutes": 10}, "anchor"),
        (
            {"requirement": Requirement.INITIAL_PHONE, "anchor": Anchor.OCCURRED, "minutes": None},
            "minutes",
        ),
        (
            {
                "requirement": Requirement.INITIAL_PHONE,
                "anchor": Anchor.OCCURRED,
                "minutes": 10,
                "times_of_day": ["08:00"],
            },
            "times_of_day",
        ),
        (
            {"requirement": Requirement.INITIAL_PHONE, "anchor": Anchor.OCCURRED, "minutes": 10**6},
            "minutes",
        ),
        (
            {
                "requirement": Requirement.INITIAL_PHONE,
                "anchor": Anchor.OCCURRED,
                "minutes": 10,
                "valid_from": dt.date(2026, 5, 1),
                "valid_to": dt.date(2026, 4, 1),
            },
            "valid_to",
        ),
    ]
    for fields, field in bad:
        rule = DeadlineRule(region=world.city, name="坏规则", severity=1, source="测试", **fields)
        with pytest.raises(ValidationError) as caught:
            services.rule_save(actor=admin, rule=rule)
        assert field in caught.value.message_dict, (fields, caught.value.message_dict)


def test_expired_and_inactive_rules_do_not_apply(world):
    rule = county_rule(world, minutes=60, valid_to=dt.date(2026, 3, 1))
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    assert deadline(incident, Requirement.INITIAL_WRITTEN).due_at == at(120)
    assert rule.pk


# --- severity, closing, follow-ups ---------------------------------------------------------


def test_severity_upgrade_recomputes_pending_and_never_moves_met(world):
    incident = make_incident(world, severity=4, occurred=at(-20), received=T0)
    make_report(incident, when=T0)  # phone 首报 at receipt
    services.deadlines_on_incident(incident=incident, now=T0)
    phone = deadline(incident, Requirement.INITIAL_PHONE)
    assert (phone.status, phone.due_at) == (DeadlineStatus.MET, at(100))
    incident.severity = 2
    incident.save()
    services.deadlines_on_severity_change(incident=incident, now=at(15))
    phone.refresh_from_db()
    assert (phone.status, phone.due_at) == (DeadlineStatus.MET, at(100))  # untouched
    written = deadline(incident, Requirement.INITIAL_WRITTEN)
    assert written.due_at == at(40)  # occurred + 60 min (national), was 100
    liaison = deadline(incident, Requirement.SCENE_LIAISON)
    assert liaison.due_at == at(75)  # newly required: from the upgrade, not from receipt
    assert deadline(incident, Requirement.FOLLOWUP).due_at == at(135)


def test_severity_downgrade_waives_escalation_requirements(world):
    incident = make_incident(world, severity=3)
    make_report(incident, when=at(1))
    services.deadlines_on_incident(incident=incident, now=at(1))
    incident.severity = 4
    incident.save()
    services.deadlines_on_severity_change(incident=incident, now=at(20))
    statuses = dict(Deadline.objects.filter(incident=incident).values_list("kind", "status"))
    assert statuses[Requirement.FOLLOWUP] == DeadlineStatus.WAIVED
    assert statuses[Requirement.SCENE_LIAISON] == DeadlineStatus.WAIVED
    assert statuses[Requirement.DAILY] == DeadlineStatus.WAIVED


def test_followup_report_meets_followup_and_opens_the_next(world):
    incident = make_incident(world, severity=3)
    make_report(incident, when=at(5))
    services.deadlines_on_incident(incident=incident, now=at(5))
    first = make_report(incident, when=at(100), kind=ReportKind.FOLLOWUP)
    services.deadlines_on_report(report=first, now=at(100))
    one = deadline(incident, Requirement.FOLLOWUP, 1)
    assert (one.status, one.fulfilled_by) == (DeadlineStatus.MET, first)
    two = deadline(incident, Requirement.FOLLOWUP, 2)
    assert (two.status, two.due_at, two.label) == (DeadlineStatus.PENDING, at(220), "续报二")
    # Late follow-up: marked by the check, the next one waits for the report.
    services.deadline_check(deadline_id=two.pk, now=at(221))
    assert deadline(incident, Requirement.FOLLOWUP).sequence == 2
    late = make_report(incident, when=at(260), kind=ReportKind.FOLLOWUP)
    services.deadlines_on_report(report=late, now=at(260))
    two.refresh_from_db()
    assert (two.status, two.late_minutes) == (DeadlineStatus.LATE, 40)
    assert deadline(incident, Requirement.FOLLOWUP, 3).due_at == at(380)


def test_missed_daily_report_counts_and_the_next_slot_follows(world):
    incident = make_incident(world, severity=3)
    make_report(incident, when=at(5))
    services.deadlines_on_incident(incident=incident, now=at(5))
    first = deadline(incident, Requirement.DAILY, 1)
    services.deadline_check(deadline_id=first.pk, now=first.due_at + dt.timedelta(seconds=1))
    first.refresh_from_db()
    assert first.status == DeadlineStatus.LATE
    second = deadline(incident, Requirement.DAILY, 2)
    assert second.due_at == first.due_at + dt.timedelta(hours=9)  # 08:00 → 17:00
    report = make_report(
        incident, when=second.due_at - dt.timedelta(hours=1), kind=ReportKind.DAILY
    )
    services.deadlines_on_report(report=report, now=report.submitted_at)
    second.refresh_from_db()
    assert second.status == DeadlineStatus.MET
    assert deadline(incident, Requirement.DAILY, 3).due_at == second.due_at + dt.timedelta(hours=15)


def test_close_waives_progress_and_asks_for_the_final_report(world):
    incident = make_incident(world, severity=3)
    make_report(incident, when=at(5), mode=ReportMode.WRITTEN)
    services.deadlines_on_incident(incident=incident, now=at(5))
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = at(300)
    incident.save()
    services.deadlines_on_close(incident=incident, now=at(300))
    open_kinds = set(
        Deadline.objects.filter(incident=incident, status=DeadlineStatus.PENDING).values_list(
            "kind", flat=True
        )
    )
    assert open_kinds == {Requirement.FINAL, Requirement.SCENE_LIAISON} - {
        Requirement.SCENE_LIAISON
    }
    final = deadline(incident, Requirement.FINAL)
    assert final.due_at == at(300 + 1440)
    report = make_report(incident, when=at(400), kind=ReportKind.FINAL, mode=ReportMode.WRITTEN)
    services.deadlines_on_report(report=report, now=at(400))
    final.refresh_from_db()
    assert final.status == DeadlineStatus.MET


def test_reopening_restarts_progress_reports_from_now(world):
    incident = make_incident(world, severity=3)
    make_report(incident, when=at(5), mode=ReportMode.WRITTEN)
    services.deadlines_on_incident(incident=incident, now=at(5))
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = at(60)
    incident.save()
    services.deadlines_on_close(incident=incident, now=at(60))
    incident.status = IncidentStatus.RESPONDING
    incident.save()
    services.deadlines_on_incident(incident=incident, now=at(600))
    assert deadline(incident, Requirement.FINAL) is None  # waived again
    followup = deadline(incident, Requirement.FOLLOWUP)
    assert followup.sequence == 2 and followup.due_at == at(720)


def test_merged_incident_waives_everything_pending(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    incident.status = IncidentStatus.MERGED
    incident.save()
    services.deadlines_on_incident(incident=incident, now=at(10))
    assert not Deadline.objects.filter(incident=incident, status=DeadlineStatus.PENDING).exists()


def test_report_by_the_city_duty_room_does_not_fulfil_the_countys_deadline(world):
    incident = make_incident(world, severity=4, channel=SourceChannel.MEDIA)
    make_report(incident, when=T0, unit=world.city_unit)  # the duty room wrote down the news
    services.deadlines_on_incident(incident=incident, now=T0)
    assert deadline(incident, Requirement.INITIAL_PHONE).status == DeadlineStatus.PENDING
    own = make_report(incident, when=at(30), kind=ReportKind.FOLLOWUP, unit=world.unit_a)
    services.deadlines_on_report(report=own, now=at(30))
    assert deadline(incident, Requirement.INITIAL_PHONE).status == DeadlineStatus.MET


# --- findings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel",
    [
        SourceChannel.MEDIA,
        SourceChannel.PUBLIC,
        SourceChannel.HIGHER_AUTHORITY,
        SourceChannel.NEIGHBOURING_CITY,
    ],
)
def test_external_channel_first_is_a_suspected_missed_report(world, channel):
    incident = make_incident(world, channel=channel)
    make_report(incident, when=T0, unit=world.city_unit)
    services.deadlines_on_incident(incident=incident, now=T0)
    services.deadlines_on_incident(incident=incident, now=at(1))
    finding = Finding.objects.get(incident=incident)
    assert (finding.kind, finding.status, finding.unit) == (
        FindingKind.MISSED,
        FindingStatus.SUSPECTED,
        world.unit_a,
    )
    assert "疑似漏报" in finding.reasons


def test_no_missed_report_when_the_unit_reported_first(world):
    incident = make_incident(world, channel=SourceChannel.MEDIA)
    make_report(incident, when=at(-5), unit=world.unit_a)
    services.deadlines_on_incident(incident=incident, now=T0)
    own = make_incident(world, channel=SourceChannel.PHONE)
    services.deadlines_on_incident(incident=own, now=T0)
    assert not Finding.objects.exists()


def test_reviewer_confirms_or_dismisses_with_reasons(world, django_capture_on_commit_callbacks):
    incident = make_incident(world, channel=SourceChannel.MEDIA)
    services.deadlines_on_incident(incident=incident, now=T0)
    finding = Finding.objects.get()
    reviewer = world.user(Role.DUTY_LEADER, "city")
    with pytest.raises(ValidationError):
        services.finding_confirm(actor=reviewer, finding=finding, reasons="  ")
    with pytest.raises(PermissionDenied):
        services.finding_confirm(
            actor=world.user(Role.COUNTY_OFFICER, "a"), finding=finding, reasons="x"
        )
    with pytest.raises(PermissionDenied):
        services.finding_confirm(
            actor=world.user(Role.VIEWER, "city"), finding=finding, reasons="x"
        )
    with django_capture_on_commit_callbacks() as callbacks:
        services.finding_confirm(
            actor=reviewer, finding=finding, reasons="网络舆情先于区里报告", now=at(60)
        )
    assert len(callbacks) == 1  # score_on_finding, after commit
    finding.refresh_from_db()
    assert (finding.status, finding.reviewer, finding.decided_at) == (
        FindingStatus.CONFIRMED,
        reviewer,
        at(60),
    )
    assert "网络舆情" in finding.reasons
    assert finding.history.first().history_user == reviewer
    with pytest.raises(ValidationError):
        services.finding_confirm(actor=reviewer, finding=finding, reasons="again")
    services.finding_dismiss(actor=reviewer, finding=finding, reasons="区里已电话报告，有通话记录")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED


def test_concealed_and_false_only_by_a_reviewer_with_reasons(world):
    incident = make_incident(world)
    reviewer = world.user(Role.DUTY_OFFICER, "city")
    with pytest.raises(ValidationError) as caught:
        services.finding_record(
            actor=reviewer, incident=incident, kind=FindingKind.CONCEALED, reasons=""
        )
    assert "reasons" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.finding_record(
            actor=reviewer, incident=incident, kind=FindingKind.LATE, reasons="x"
        )
    assert "kind" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.finding_record(
            actor=world.user(Role.COUNTY_OFFICER, "a"),
            incident=incident,
            kind=FindingKind.FALSE,
            reasons="x",
        )
    finding = services.finding_record(
        actor=reviewer,
        incident=incident,
        kind=FindingKind.FALSE,
        reasons="伤亡人数与医院核实不符",
        evidence="市一院收治记录",
    )
    assert (finding.status, finding.unit, finding.created_by) == (
        FindingStatus.CONFIRMED,
        world.unit_a,
        reviewer,
    )


def test_scoring_is_called_after_commit_for_met_and_late(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    import yingji.scoring.services as scoring

    seen = []
    monkeypatch.setattr(
        scoring, "score_on_deadline", lambda *, deadline: seen.append(deadline.status)
    )
    incident = make_incident(world, severity=4)
    with django_capture_on_commit_callbacks(execute=True):
        services.deadlines_on_incident(incident=incident, now=T0)
    assert seen == []
    report = make_report(incident, when=at(10), mode=ReportMode.WRITTEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.deadlines_on_report(report=report, now=at(10))
    assert seen == [DeadlineStatus.MET, DeadlineStatus.MET]  # phone and written
    late = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=late, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_overdue(now=at(200))
    assert seen[2:] == [DeadlineStatus.LATE, DeadlineStatus.LATE]
