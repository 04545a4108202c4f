"""Synthetic demo incidents for ``yingji demo`` (plainly made up; deterministic).

Everything is written through the services — ``event_create``, ``incident_report``,
``report_submit``, ``incident_set_status`` — with ``now=`` set in the past, so every
derived row is real: history, timeline, deadlines and their check tasks, late (迟报)
findings, a suspected missed report (漏报), scores, escalation notices. Times are relative
to the moment of loading (the board's countdowns must make sense today); titles, places,
types, levels and the order of events are fixed.

What the board shows afterwards:

- the event "合成演示：城区强降雨" (started five hours ago) with 30 waterlogging
  incidents (11A02 内涝) across the districts, reported by phone by each district's
  officer; most followed by their written 首报 in time, three late, some still due
  (countdowns) and some overdue (no written report two hours after the occurrence);
- 20 other open incidents of various types and levels, among them two 较大 with scene
  liaisons and progress reports (one 续报 late), and one first heard from the public
  (a suspected 漏报 for a reviewer);
- three closed incidents with their full chains (首报, 续报一, 续报二, 终报), one 续报
  late.

Idempotent: every write carries an idempotency key (``demo-…``); loading again changes
nothing. Needs ``load_regions``, ``load_demo_townships``, ``load_deadline_rules`` and
``load_demo`` first.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

EVENT_NAME = "合成演示：城区强降雨"
TITLE_PREFIX = "【演示】"
CITY_CODE = "370100"
DUTY_USERNAME = "duty"

# District code → (seat lon, lat): waterlogging happens around the urban seats.
SEATS: dict[str, tuple[float, float]] = {
    "370102": (117.0764, 36.6663),  # 历下区
    "370103": (116.9975, 36.6511),  # 市中区
    "370104": (116.9014, 36.6522),  # 槐荫区
    "370105": (116.9867, 36.6935),  # 天桥区
    "370112": (117.0764, 36.6863),  # 历城区
    "370113": (116.7419, 36.5547),  # 长清区
    "370114": (117.5266, 36.6813),  # 章丘区
    "370115": (117.1759, 36.9782),  # 济阳区
}
# How many waterlogging incidents each district gets (30 in all; the centre most).
RAIN_SPLIT = {
    "370102": 6,
    "370103": 6,
    "370104": 4,
    "370105": 5,
    "370112": 5,
    "370113": 1,
    "370114": 2,
    "370115": 1,
}
PLACES = ("下穿立交桥", "主干道路口", "老旧小区", "地下车库入口", "学校门前路段", "商业街")
DEPTHS = (20, 30, 40, 50, 60)

# (type code, title, severity, district, minutes ago, channel, extra data)
OTHERS: tuple[tuple[str, str, int, str, int, str, dict[str, Any]], ...] = (
    ("12H99", "某路段三车追尾，一人受伤", 4, "370102", 50, "phone", {"injuries": 1}),
    ("12G03", "居民楼厨房起火，已扑灭", 4, "370103", 75, "phone", {}),
    ("11D04", "人行道地面塌陷约 4 平方米", 4, "370104", 95, "phone", {}),
    ("12P08", "暴雨致配电箱进水，片区停电", 4, "370105", 130, "phone", {}),
    ("12Q05", "供水管线破裂，部分小区停水", 4, "370112", 160, "phone", {}),
    ("12C01", "在建工地围挡倒塌，无人员伤亡", 4, "370102", 200, "phone", {}),
    ("14A13", "积水车辆抛锚阻断交通", 4, "370103", 35, "phone", {}),
    ("12H99", "公交车与电动车碰撞，一人受伤", 4, "370105", 20, "phone", {"injuries": 1}),
    ("12G01", "厂房仓库起火，浓烟较大", 4, "370113", 110, "phone", {}),
    ("11D04", "山体边坡局部滑塌，道路半幅封闭", 4, "370114", 240, "phone", {}),
    ("12P04", "桥梁伸缩缝损坏，临时限行", 4, "370112", 260, "written", {}),
    ("12H99", "货车侧翻，货物散落", 4, "370115", 80, "phone", {}),
    ("12Q05", "排水泵站故障，临时调泵", 4, "370104", 150, "phone", {}),
    ("12G03", "沿街商铺起火，周边人员已疏散", 4, "370102", 15, "phone", {}),
    ("12C01", "基坑边坡渗水，施工暂停", 4, "370103", 280, "phone", {}),
    ("14A13", "群众聚集围观积水路段，交通受阻", 4, "370105", 60, "public", {}),
    ("12P08", "燃气调压箱被淹，停气检修", 4, "370112", 45, "phone", {}),
    ("12H99", "出租车落入积水坑，司机被困后获救", 4, "370104", 100, "phone", {"trapped": 1}),
    # Two 较大 with a scene liaison (现场联络人) named at intake.
    (
        "12G04",
        "高层住宅火灾，多人被困",
        3,
        "370102",
        230,
        "phone",
        {
            "trapped": 6,
            "injuries": 4,
            "scene_contact_name": "演示联络员甲",
            "scene_contact_phone": "13800000001",
        },
    ),
    (
        "11A02",
        "地下商场进水，人员转移",
        3,
        "370103",
        200,
        "phone",
        {
            "trapped": 12,
            "scene_contact_name": "演示联络员乙",
            "scene_contact_phone": "13800000002",
        },
    ),
)
# Closed incidents with full chains: (type, title, severity, district, days ago).
CLOSED: tuple[tuple[str, str, int, str, int], ...] = (
    ("12D03", "化工企业储罐泄漏起火，已扑灭", 3, "370112", 3),
    ("12H99", "多车相撞事故，道路已恢复通行", 4, "370104", 2),
    ("11A02", "下穿隧道积水，已排干", 4, "370105", 1),
)


@dataclass
class DemoIncidentsResult:
    incidents_created: int = 0
    incidents_existing: int = 0
    reports_created: int = 0
    late_marked: int = 0
    skipped: list[str] = field(default_factory=list)


class _Loader:
    def __init__(self, now: dt.datetime) -> None:
        from yingji.accounts.demo import DISTRICTS
        from yingji.accounts.models import User
        from yingji.geo.models import Region

        self.now = now
        self.rng = random.Random(20240712)
        self.result = DemoIncidentsResult()
        self.duty = User.objects.select_related("unit").get(username=DUTY_USERNAME)
        self.officers = {
            d.code: User.objects.select_related("unit").get(username=d.pinyin) for d in DISTRICTS
        }
        self.city = Region.objects.get(code=CITY_CODE)

    # -- helpers ------------------------------------------------------------------------
    def point_in(self, district: str) -> tuple[float, float]:
        """A point near the district's seat that lies inside the district (deterministic)."""
        from yingji.geo.lookup import locate

        lon0, lat0 = SEATS[district]
        for spread in (0.03, 0.015, 0.005, 0.0):
            for _ in range(40):
                lon = round(lon0 + self.rng.uniform(-spread, spread), 6)
                lat = round(lat0 + self.rng.uniform(-spread, spread), 6)
                where = locate(lon, lat)
                if where.district is not None and where.district.code == district:
                    return lon, lat
        return lon0, lat0

    def reporter(self, district: str) -> Any:
        return self.officers.get(district, self.duty)

    def report(
        self, key: str, *, actor: Any, data: dict[str, Any], at: dt.datetime
    ) -> tuple[Any, bool]:
        from . import services

        incident, created = services.incident_report(
            actor=actor,
            data=data,
            idempotency_key=f"demo-{key}",
            now=at,
            defer_followups=False,  # the scenario's clock is in the past: deadlines now
        )
        if created:
            self.result.incidents_created += 1
        else:
            self.result.incidents_existing += 1
        return incident, created

    def submit(
        self, incident: Any, key: str, *, actor: Any, data: dict[str, Any], at: dt.datetime
    ) -> None:
        from . import services

        _report, created = services.report_submit(
            actor=actor, incident=incident, data=data, idempotency_key=f"demo-{key}", now=at
        )
        self.result.reports_created += int(created)

    def status(self, incident: Any, status: str, *, actor: Any, at: dt.datetime) -> None:
        from . import services

        incident.refresh_from_db()
        if incident.status != status:
            services.incident_set_status(actor=actor, incident=incident, status=status, now=at)

    # -- the scenario -------------------------------------------------------------------
    def event(self) -> Any:
        from . import services
        from .models import Event, IncidentType

        existing = Event.objects.filter(name=EVENT_NAME).first()
        if existing is not None:
            return existing
        return services.event_create(
            actor=self.duty,
            data={
                "name": EVENT_NAME,
                "incident_type": IncidentType.objects.get(code="11A02"),
                "started_at": self.now - dt.timedelta(hours=5),
                "region": self.city,
                "owner_unit": self.duty.unit,
                "description": "合成演示数据：城区短时强降雨，多处道路和低洼地带积水。",
            },
        )

    def rain(self, event: Any) -> None:
        n = 0
        for district, count in RAIN_SPLIT.items():
            for _ in range(count):
                n += 1
                # Spread over the last 4 h 50 min, the oldest first.
                minutes_ago = 290 - (n - 1) * 9
                occurred = self.now - dt.timedelta(minutes=minutes_ago)
                reported = occurred + dt.timedelta(minutes=5 + n % 7)
                lon, lat = self.point_in(district)
                place = PLACES[n % len(PLACES)]
                depth = DEPTHS[n % len(DEPTHS)]
                officer = self.reporter(district)
                incident, created = self.report(
                    f"rain-{n:02d}",
                    actor=officer,
                    at=reported,
                    data={
                        "title": f"{TITLE_PREFIX}{place}积水约 {depth} 厘米",
                        "incident_type": "11A02",
                        "severity": 4,
                        "occurred_at": occurred,
                        "lon": lon,
                        "lat": lat,
                        "address": f"合成地址：{place}（演示第 {n} 处）",
                        "description": f"合成演示：强降雨致{place}积水约 {depth} 厘米，"
                        "已设置警示，排水作业中。",
                        "source_channel": "phone",
                        "mode": "phone",
                        "event": event,
                        "reporter_name": str(officer),
                    },
                )
                if not created:
                    continue
                age = self.now - occurred
                # The written 首报 is due two hours after the occurrence (一般).
                if n % 10 == 3 and age > dt.timedelta(hours=2, minutes=20):
                    written_at = occurred + dt.timedelta(hours=2, minutes=15)  # late
                elif n % 4 != 0 and age > dt.timedelta(minutes=70):
                    written_at = occurred + dt.timedelta(minutes=60)  # in time
                else:
                    written_at = None  # still due, or overdue on the board
                if written_at is not None:
                    self.submit(
                        incident,
                        f"rain-{n:02d}-written",
                        actor=officer,
                        at=written_at,
                        data={
                            "kind": "initial",
                            "mode": "written",
                            "body": f"书面首报（合成演示）：{place}积水约 {depth} 厘米。",
                        },
                    )
                if n % 3 == 0:
                    self.status(incident, "verifying", actor=officer, at=reported)
                elif n % 3 == 1 and age > dt.timedelta(hours=1):
                    self.status(
                        incident,
                        "responding",
                        actor=officer,
                        at=reported + dt.timedelta(minutes=20),
                    )

    def others(self, event: Any) -> None:
        for n, (code, title, severity, district, minutes_ago, channel, extra) in enumerate(
            OTHERS, start=1
        ):
            occurred = self.now - dt.timedelta(minutes=minutes_ago)
            reported = occurred + dt.timedelta(minutes=8)
            lon, lat = self.point_in(district)
            public = channel == "public"
            actor = self.duty if public else self.reporter(district)
            incident, created = self.report(
                f"other-{n:02d}",
                actor=actor,
                at=reported,
                data={
                    "title": f"{TITLE_PREFIX}{title}",
                    "incident_type": code,
                    "severity": severity,
                    "occurred_at": occurred,
                    "lon": lon,
                    "lat": lat,
                    "address": f"合成地址：演示事件 {n} 号",
                    "description": f"合成演示：{title}。",
                    "source_channel": channel,
                    "mode": "written" if channel == "written" else "phone",
                    "event": event if code == "11A02" else None,
                    "reporter_name": "市民（合成）" if public else str(actor),
                    **extra,
                },
            )
            if not created:
                continue
            officer = self.reporter(district)
            if severity <= 3:
                # 较大: written 首报 in time, 续报一 in time, 续报二 late (due 2 h after 续报一).
                self.submit(
                    incident,
                    f"other-{n:02d}-written",
                    actor=officer,
                    at=reported + dt.timedelta(minutes=40),
                    data={"kind": "initial", "mode": "written", "body": "书面首报（合成演示）。"},
                )
                first = reported + dt.timedelta(minutes=90)
                self.submit(
                    incident,
                    f"other-{n:02d}-f1",
                    actor=officer,
                    at=first,
                    data={
                        "kind": "followup",
                        "mode": "phone",
                        "body": "续报（合成演示）：被困人员已全部转移，伤员送医。",
                        "measures_taken": "消防、医疗、公安到场处置。",
                    },
                )
                if n % 2 == 1:
                    self.submit(
                        incident,
                        f"other-{n:02d}-f2",
                        actor=officer,
                        at=first + dt.timedelta(minutes=135),  # 15 minutes late
                        data={
                            "kind": "followup",
                            "mode": "phone",
                            "body": "续报（合成演示）：现场明火已扑灭，正在清理。",
                        },
                    )
                self.status(incident, "responding", actor=officer, at=reported)
            elif n % 3 == 0 and minutes_ago > 120:
                self.submit(
                    incident,
                    f"other-{n:02d}-written",
                    actor=officer,
                    at=occurred + dt.timedelta(minutes=100),
                    data={"kind": "initial", "mode": "written", "body": "书面首报（合成演示）。"},
                )
            if n % 4 == 0 and severity > 3:
                self.status(incident, "verified", actor=officer, at=reported)

    def closed(self) -> None:
        for n, (code, title, severity, district, days) in enumerate(CLOSED, start=1):
            occurred = self.now - dt.timedelta(days=days, hours=6)
            reported = occurred + dt.timedelta(minutes=12)
            officer = self.reporter(district)
            lon, lat = self.point_in(district)
            extra: dict[str, Any] = {}
            if severity <= 3:
                extra = {
                    "injuries": 3,
                    "scene_contact_name": "演示联络员丙",
                    "scene_contact_phone": "13800000003",
                }
            incident, created = self.report(
                f"closed-{n:02d}",
                actor=officer,
                at=reported,
                data={
                    "title": f"{TITLE_PREFIX}{title}",
                    "incident_type": code,
                    "severity": severity,
                    "occurred_at": occurred,
                    "lon": lon,
                    "lat": lat,
                    "address": f"合成地址：已结束事件 {n} 号",
                    "description": f"合成演示：{title}。",
                    "source_channel": "phone",
                    "mode": "phone",
                    **extra,
                },
            )
            if not created:
                continue
            self.submit(
                incident,
                f"closed-{n:02d}-written",
                actor=officer,
                at=reported + dt.timedelta(minutes=35),
                data={"kind": "initial", "mode": "written", "body": "书面首报（合成演示）。"},
            )
            self.status(
                incident, "responding", actor=officer, at=reported + dt.timedelta(minutes=5)
            )
            first = reported + dt.timedelta(minutes=100)
            self.submit(
                incident,
                f"closed-{n:02d}-f1",
                actor=officer,
                at=first,
                data={"kind": "followup", "mode": "phone", "body": "续报一（合成演示）。"},
            )
            # 续报二: late for the 较大 one (interval 2 h), on time otherwise.
            second = first + dt.timedelta(minutes=150 if severity <= 3 else 90)
            self.submit(
                incident,
                f"closed-{n:02d}-f2",
                actor=officer,
                at=second,
                data={"kind": "followup", "mode": "phone", "body": "续报二（合成演示）。"},
            )
            self.submit(
                incident,
                f"closed-{n:02d}-final",
                actor=officer,
                at=second + dt.timedelta(hours=3),
                data={
                    "kind": "final",
                    "mode": "written",
                    "body": f"终报（合成演示）：{title}，处置完毕，无次生灾害。",
                    "measures_taken": "现场清理完毕，恢复正常秩序。",
                },
            )


def load_demo_incidents(*, now: dt.datetime | None = None) -> DemoIncidentsResult:
    """Create the demo event, incidents and chains that are missing (idempotent)."""
    from yingji.deadlines.services import check_overdue

    now = now or timezone.now().replace(second=0, microsecond=0)
    loader = _Loader(now)
    event = loader.event()
    loader.rain(event)
    loader.others(event)
    loader.closed()
    # What a worker would do at once: mark every deadline already past due as late (迟报).
    loader.result.late_marked = check_overdue(now=timezone.now())
    return loader.result
