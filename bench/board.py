"""The duty-room board with a city's years of incidents: ``python -m bench.board``.

For each backend (SQLite with the real settings in a temporary directory; PostgreSQL in a
database ``yingji_bench_board`` created and dropped here):

1. migrates and loads Jinan's regions, the synthetic townships, deadline rules, demo units
   and accounts;
2. generates, with bulk inserts (SQLite: ``executemany`` in one transaction; PostgreSQL:
   ``COPY``), **10,000 open incidents and 1,000,000 closed ones**: points from numpy
   (60 % around the district seats, the rest uniform in the city's box), each point's
   region from ``geo.lookup.locate`` and its H3 cell, the county's emergency office as
   owner, GB/T 35561 leaf types, severities mostly 一般; every open incident has a met
   首报 deadline and an open 续报 deadline (a sixth of them overdue), every closed one a
   met 终报 deadline (1,020,000 deadlines), and a timeline step per open incident; then
   ``ANALYZE``;
3. times the board as a logged-in user gets it — the page (``GET /incidents/board/``
   with no filter, and filtered by level, type, district and status) and the live
   "changed since" endpoint (``GET /incidents/board/changes/`` with a token a few
   changes old, and with the current ETag → 304) — through Django's test client in
   this process (middleware, session, queries, template), for a city user (the duty
   officer) and a county user (历下区), after a warm-up, ``--repeat`` times each.
   Server time p50/p95 per request kind; the query count and the slowest query of each.

Prints the figures and one last line of ``key=value`` pairs; writes the "Duty-room board"
section of docs/performance.md (``--no-write`` to skip).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench._common import (
    BACKENDS,
    ROOT,
    database_env,
    load_city,
    machine,
    pct,
    pg_available,
    setup_django,
    write_section,
)

SECTION = "## Duty-room board"
DB_NAME = "yingji_bench_board"
CITY_BBOX = (116.20, 36.02, 117.98, 37.55)
SEATS = [
    (117.0704, 36.6660),
    (116.9955, 36.6511),
    (116.9014, 36.6522),
    (116.9867, 36.6935),
    (117.0764, 36.6863),
    (116.7419, 36.5547),
    (117.5266, 36.6813),
    (117.1759, 36.9782),
    (117.6767, 36.2139),
    (117.7617, 36.0817),
    (116.4456, 36.2897),
    (117.1362, 37.3091),
]
USERS = {"city": "duty", "county": "lixia"}
TARGET_MS = 100.0
BATCH = 20_000


# --- data ------------------------------------------------------------------------------------


def _points(rng: Any, n: int) -> Any:
    import numpy as np

    clustered = int(n * 0.6)
    seats = np.array(SEATS)[rng.integers(0, len(SEATS), clustered)]
    near = seats + rng.normal(0, 0.04, (clustered, 2))
    uniform = np.column_stack(
        [
            rng.uniform(CITY_BBOX[0], CITY_BBOX[2], n - clustered),
            rng.uniform(CITY_BBOX[1], CITY_BBOX[3], n - clustered),
        ]
    )
    return np.vstack([near, uniform])


class Places:
    """Points inside the city with their region, owner unit and H3 cell."""

    def __init__(self) -> None:
        from yingji.accounts.choices import UnitKind
        from yingji.accounts.models import Unit
        from yingji.geo.models import Region

        self.regions = {r.pk: r for r in Region.objects.all()}
        offices = {
            u.region_id: u.pk
            for u in Unit.objects.filter(kind=UnitKind.EMERGENCY_OFFICE, is_active=True).order_by(
                "-id"
            )
        }
        self.office_of: dict[int, int | None] = {}
        for pk, region in self.regions.items():
            district = region
            while district.level not in ("district", "zone") and district.parent_id:
                district = self.regions[district.parent_id]
            self.office_of[pk] = offices.get(district.pk)

    def sample(self, rng: Any, n: int) -> list[tuple[float, float, int, str]]:
        from yingji.geo.h3index import cell_of
        from yingji.geo.lookup import locate

        out: list[tuple[float, float, int, str]] = []
        while len(out) < n:
            for lon, lat in _points(rng, int((n - len(out)) * 1.6) + 100):
                where = locate(float(lon), float(lat))
                ref = where.deepest
                if ref is None:
                    continue
                lon6, lat6 = round(float(lon), 6), round(float(lat), 6)
                out.append((lon6, lat6, ref.id, cell_of(lon6, lat6)))
                if len(out) == n:
                    break
        return out


INCIDENT_COLUMNS = [
    "created_at",
    "updated_at",
    "lon",
    "lat",
    "h3_cell",
    "source_crs",
    "address",
    "title",
    "severity",
    "status",
    "occurred_at",
    "received_at",
    "closed_at",
    "description",
    "deaths",
    "injuries",
    "serious_injuries",
    "missing",
    "trapped",
    "direct_loss",
    "source_channel",
    "reporter_name",
    "reporter_phone",
    "is_sensitive",
    "scene_contact_name",
    "scene_contact_phone",
    "idempotency_key",
    "created_by_id",
    "event_id",
    "owner_unit_id",
    "region_id",
    "reporting_unit_id",
    "incident_type_id",
    "escalated_at",
    "late_report_reason",
    "merged_into_id",
]
DEADLINE_COLUMNS = [
    "created_at",
    "updated_at",
    "kind",
    "sequence",
    "basis",
    "anchor_at",
    "due_at",
    "status",
    "met_at",
    "late_minutes",
    "reminded_at",
    "late_marked_at",
    "waived_reason",
    "reminders_sent",
    "next_check_at",
    "fulfilled_by_id",
    "incident_id",
    "responsible_unit_id",
    "rule_id",
]
OPEN = ("received", "verifying", "verified", "responding")
CLOSED_OTHER = ("merged", "duplicate", "false_report")


def _insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def generate(*, open_n: int, closed_n: int, seed: int = 20240712) -> dict[str, float]:
    """Insert the incidents, deadlines and timeline steps; return timings."""
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from yingji.incidents.models import Incident, IncidentLog, IncidentType

    rng = np.random.default_rng(seed)
    started = time.monotonic()
    places = Places()
    points = places.sample(rng, open_n + closed_n)
    t_points = time.monotonic() - started
    types = list(IncidentType.objects.filter(depth=3, is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    severities = rng.choice([4, 3, 2, 1], size=open_n + closed_n, p=[0.85, 0.12, 0.025, 0.005])
    type_ix = rng.integers(0, len(types), open_n + closed_n)
    # Closed: received over five years; open: over the last seven days.
    ages = np.concatenate(
        [rng.uniform(0, 7 * 86400, open_n), rng.uniform(7 * 86400, 5 * 365 * 86400, closed_n)]
    )
    status_ix = rng.integers(0, len(OPEN), open_n)
    other = rng.random(closed_n)
    t0 = time.monotonic()
    rows: list[tuple[Any, ...]] = []
    with transaction.atomic():
        for i in range(open_n + closed_n):
            lon, lat, region_id, cell = points[i]
            received = now - dt.timedelta(seconds=float(ages[i]))
            is_open = i < open_n
            if is_open:
                status = OPEN[status_ix[i]]
                closed_at = None
            else:
                j = i - open_n
                status = CLOSED_OTHER[j % 3] if other[j] < 0.03 else "closed"
                closed_at = received + dt.timedelta(hours=6)
            severity = int(severities[i])
            rows.append(
                (
                    received,
                    received,
                    lon,
                    lat,
                    cell,
                    "wgs84",
                    f"合成地址{i}号",
                    f"合成事件{i}",
                    severity,
                    status,
                    received - dt.timedelta(minutes=20),
                    received,
                    closed_at,
                    "",
                    0,
                    int(i % 7 == 0),
                    0,
                    0,
                    0,
                    "0",
                    "phone",
                    "合成",
                    "",
                    False,
                    "",
                    "",
                    None,
                    None,
                    None,
                    places.office_of.get(region_id),
                    region_id,
                    None,
                    types[type_ix[i]],
                    received if severity <= 3 else None,
                    "",
                    None,
                )
            )
            if len(rows) == BATCH:
                _insert("incidents_incident", INCIDENT_COLUMNS, rows)
                rows = []
        if rows:
            _insert("incidents_incident", INCIDENT_COLUMNS, rows)
    t_incidents = time.monotonic() - t0

    t0 = time.monotonic()
    with transaction.atomic():
        deadline_rows: list[tuple[Any, ...]] = []
        log_rows: list[tuple[Any, ...]] = []
        query = Incident.objects.order_by("id").values_list(
            "id", "status", "received_at", "owner_unit_id"
        )
        for pk, status, received, unit in query.iterator(chunk_size=BATCH):
            if status in OPEN:
                deadline_rows.append(
                    _deadline(pk, unit, "initial_phone", 0, received, 30, "met", received)
                )
                due_in = float(rng.uniform(-2 * 3600, 10 * 3600))  # a sixth overdue
                anchor = now + dt.timedelta(seconds=due_in) - dt.timedelta(hours=2)
                late = due_in < 0 and rng.random() < 0.5
                deadline_rows.append(
                    _deadline(
                        pk,
                        unit,
                        "followup",
                        1,
                        anchor,
                        120,
                        "late" if late else "pending",
                        None,
                    )
                )
                log_rows.append((received, "reported", "合成接报", None, pk))
            else:
                deadline_rows.append(
                    _deadline(pk, unit, "final", 0, received, 60 * 24, "met", received)
                )
            if len(deadline_rows) >= BATCH:
                _insert("deadlines_deadline", DEADLINE_COLUMNS, deadline_rows)
                deadline_rows = []
        if deadline_rows:
            _insert("deadlines_deadline", DEADLINE_COLUMNS, deadline_rows)
        _insert(
            "incidents_incidentlog",
            ["at", "action", "message", "actor_id", "incident_id"],
            log_rows,
        )
    t_deadlines = time.monotonic() - t0
    t0 = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    t_analyze = time.monotonic() - t0
    return {
        "points_s": t_points,
        "incidents_s": t_incidents,
        "deadlines_s": t_deadlines,
        "analyze_s": t_analyze,
        "incidents": Incident.objects.count(),
        "open": Incident.objects.filter(status__in=OPEN).count(),
        "log_rows": IncidentLog.objects.count(),
    }


def _deadline(
    incident: int,
    unit: int | None,
    kind: str,
    sequence: int,
    anchor: dt.datetime,
    minutes: int,
    status: str,
    met: dt.datetime | None,
) -> tuple[Any, ...]:
    due = anchor + dt.timedelta(minutes=minutes)
    return (
        anchor,
        anchor,
        kind,
        sequence,
        "合成规则",
        anchor,
        due,
        status,
        met,
        None,
        None,
        None,
        "",
        "[]",
        None if status != "pending" else due,
        None,
        incident,
        unit,
        None,
    )


# --- timing ------------------------------------------------------------------------------------


def query_set_ms(captured: list[dict[str, Any]], repeat: int) -> list[float]:
    """Run the captured queries of one request again, ``repeat`` times: ms per run."""
    from django.db import connection

    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            for q in captured:
                if q["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                    cursor.execute(q["sql"], q["params"])
                    cursor.fetchall()
        runs.append((time.perf_counter() - t0) * 1000)
    return runs


def request_kinds(district: str) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("board", "/incidents/board/", {}),
        ("board_level", "/incidents/board/", {"severity": "3"}),
        ("board_type", "/incidents/board/", {"type": "11A"}),
        ("board_region", "/incidents/board/", {"region_code": district}),
        ("board_status", "/incidents/board/", {"status": "responding"}),
        ("changes", "/incidents/board/changes/", {"since": "SINCE"}),
        ("changes_304", "/incidents/board/changes/", {"etag": "1"}),
    ]


def time_board(repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from yingji.accounts.models import User
    from yingji.deadlines.models import Deadline
    from yingji.incidents.models import IncidentLog

    log_max = IncidentLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    deadline_max = Deadline.objects.order_by("-id").values_list("id", flat=True).first() or 0
    since = f"{max(0, log_max - 20)}.{max(0, deadline_max - 20)}"
    results: dict[str, Any] = {}
    for who, username in USERS.items():
        user = User.objects.select_related("unit__region").get(username=username)
        client = Client()
        client.force_login(user)
        district = "370102" if who == "city" else user.unit.region.code
        for name, path, params in request_kinds(district):
            headers: dict[str, str] = {}
            query = dict(params)
            if name == "changes":
                query["since"] = since
            if name == "changes_304":
                query = {"since": since}
                first = client.get(path, query)
                headers["HTTP_IF_NONE_MATCH"] = first["ETag"]
            for _ in range(3):  # warm-up
                answer = client.get(path, query, **headers)
            expected = 304 if name == "changes_304" else 200
            if answer.status_code != expected:
                raise RuntimeError(f"{name}: {answer.status_code} {answer.content[:300]!r}")
            captured: list[dict[str, Any]] = []

            def record(
                execute: Any,
                sql: str,
                params: Any,
                many: bool,
                context: Any,
                captured: list[dict[str, Any]] = captured,
            ) -> Any:
                t0 = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    captured.append(
                        {"sql": sql, "params": params, "time": time.perf_counter() - t0}
                    )

            with connection.execute_wrapper(record):
                client.get(path, query, **headers)
            slowest = max(captured, key=lambda q: float(q["time"]), default=None)
            queries_ms = query_set_ms(captured, repeat)
            samples, cpu = [], []
            for _ in range(repeat):
                c0, t0 = time.process_time(), time.perf_counter()
                client.get(path, query, **headers)
                samples.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            results[f"{who}_{name}"] = {
                "p50_ms": round(pct(samples, 0.5), 1),
                "p95_ms": round(pct(samples, 0.95), 1),
                # The page's queries alone, run again as the page ran them (execute and
                # fetch every row; no model instances, no template).
                "queries_p50_ms": round(pct(queries_ms, 0.5), 1),
                "queries_p95_ms": round(pct(queries_ms, 0.95), 1),
                # This process's CPU time: what the request costs on an idle core (the
                # machine is shared; wall times include waiting for a core).
                "cpu_p50_ms": round(pct(cpu, 0.5), 1),
                "queries": len(captured),
                "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
                "slowest_sql": slowest["sql"][:300] if slowest else "",
            }
            r = results[f"{who}_{name}"]
            print(
                f"  {who:6} {name:13} page {r['p50_ms']:7.1f} / {r['p95_ms']:7.1f} ms "
                f"(CPU {r['cpu_p50_ms']:6.1f}) queries {r['queries_p50_ms']:6.1f} / "
                f"{r['queries_p95_ms']:6.1f} ms ({r['queries']})",
                flush=True,
            )
    return results


def run_backend(args: argparse.Namespace) -> dict[str, Any]:
    backend = args.backend
    with (
        tempfile.TemporaryDirectory(prefix="yingji-bench-board-") as tmp,
        database_env(backend, DB_NAME, tmp) as env,
    ):
        setup_django(env)
        t0 = time.monotonic()
        load_city()
        print(f"[{backend}] set up in {time.monotonic() - t0:.1f}s", flush=True)
        from django.db import connection

        if connection.vendor == "sqlite":
            connection.cursor().execute("PRAGMA synchronous=OFF")  # generating only
        t0 = time.monotonic()
        made = generate(open_n=args.open, closed_n=args.closed)
        print(f"[{backend}] generated in {time.monotonic() - t0:.1f}s: {made}", flush=True)
        connection.close()  # the timing runs on a connection with the real settings
        timings = time_board(args.repeat)
        return {
            "backend": backend,
            "generated": made,
            "timings": timings,
            "load_avg_1m": round(os.getloadavg()[0], 1),
        }


# --- the parent ---------------------------------------------------------------------------------

PREFIX = {"sqlite": "sqlite", "postgresql": "pg"}
NOTES = """\
What the page runs (`incidents.views.board`, `incidents.selectors.board_*`): the change
token (two primary-key maxima); the summary strip — the open incidents the user may see
(`restrict()`: a join on the region's path) with the filters, counted by (level, status)
in one grouped query (from the index `incident_sev_status_region` alone when no type
filter joins), with how many of each are overdue (an open deadline due before now: a
non-correlated subquery read from `deadline_status_due`, built once); the first page's order — the earliest
open deadlines of those incidents (partial index `deadline_open_incident`, a top-k sort
of 4 × 101 rows), the first deadline of each incident being its next one, ties broken
by level then receipt from a primary-key read of the ~100 candidates; the 100 rows by
primary key with their type, township and county (only the columns a row shows), their
next deadlines (one query); the filter choices and the unread notices; then the page.
Rows are built in Python (`incidents/board.py`: `format_html`, labels and the URL pattern
worked out once per answer) — through the template engine a row cost ~0.3 ms, the rows
were two thirds of the page. The poll runs the token and, when it changed, the timeline
steps and deadlines since the client's token, the rows of the incidents they touch and
the summary strip.

Before (the figures of the previous run, 2026-11-30): rows ordered by level then receipt,
100 rows through `_board_row.html`, the count of all open ones; the page cost 207–246 ms
of CPU on SQLite, 230–257 ms on PostgreSQL. Earlier changes kept: the index
`incident_region_status (region, status)` (without it SQLite read every closed incident
of each region), no `DISTINCT` on the level, status and channel filters, and no region
outline (GeoJSON, 2–70 kB each) decoded for the rows or the district choices."""


def final_line(outcomes: list[dict[str, Any]]) -> str:
    parts = []
    for o in outcomes:
        p = PREFIX[o["backend"]]
        t = o["timings"]
        worst = max(v["p95_ms"] for v in t.values())
        parts.append(f"{p}_worst_p95_ms={worst}")
        parts.append(f"{p}_worst_cpu_p50_ms={max(v['cpu_p50_ms'] for v in t.values())}")
        parts.append(f"{p}_worst_queries_p95_ms={max(v['queries_p95_ms'] for v in t.values())}")
        for key in ("city_board", "county_board", "city_changes", "county_changes"):
            parts.append(f"{p}_{key}_p50_ms={t[key]['p50_ms']}")
            parts.append(f"{p}_{key}_p95_ms={t[key]['p95_ms']}")
            parts.append(f"{p}_{key}_cpu_p50_ms={t[key]['cpu_p50_ms']}")
            parts.append(f"{p}_{key}_queries_p95_ms={t[key]['queries_p95_ms']}")
    return " ".join(parts)


def verdict(outcomes: list[dict[str, Any]]) -> str:
    parts = []
    for o in outcomes:
        t = o["timings"]
        q = max(v["queries_p95_ms"] for v in t.values())
        p50 = max(v["p50_ms"] for v in t.values())
        page = max(v["p95_ms"] for v in t.values())
        cpu = max(v["cpu_p50_ms"] for v in t.values())
        parts.append(
            f"{o['backend']}: worst CPU p50 {cpu} ms "
            f"({'under' if cpu < TARGET_MS else 'over'} the target), worst query set p95 "
            f"{q} ms ({'under' if q < TARGET_MS else 'over'}); wall time, which includes "
            f"waiting for a core on this shared machine, worst p50 {p50} ms and p95 {page} ms "
            f"({'under' if page < TARGET_MS else 'over'})"
        )
    return "; ".join(parts) + "."


def doc_body(outcomes: list[dict[str, Any]], args: Any) -> str:
    kinds = list(outcomes[0]["timings"])
    head = (
        "| request | "
        + " | ".join(
            f"{o['backend']}: page p50 / p95 · CPU p50 · queries p50 / p95 ms (n)" for o in outcomes
        )
        + " |"
    )
    lines = [head, "| --- |" + " --- |" * len(outcomes)]
    for kind in kinds:
        cells = [
            f"{o['timings'][kind]['p50_ms']} / {o['timings'][kind]['p95_ms']} · "
            f"{o['timings'][kind]['cpu_p50_ms']} · {o['timings'][kind]['queries_p50_ms']} / "
            f"{o['timings'][kind]['queries_p95_ms']} ({o['timings'][kind]['queries']})"
            for o in outcomes
        ]
        lines.append(f"| {kind.replace('_', ' ')} | " + " | ".join(cells) + " |")
    gen = "; ".join(
        f"{o['backend']}: incidents {o['generated']['incidents_s']:.0f} s, deadlines "
        f"{o['generated']['deadlines_s']:.0f} s, ANALYZE {o['generated']['analyze_s']:.0f} s"
        for o in outcomes
    )
    table = "\n".join(lines)
    return f"""
`python -m bench.board` — the duty-room board with {args.open:,} open incidents and
{args.closed:,} closed ones (1,020,000 deadlines), as a logged-in user gets it through
Django's test client in one process: middleware, session, the queries, the template.
"board" is `GET /incidents/board/` (no filter; then by level 较大, by type 11A 水旱灾害,
by district, by status 处置中), "changes" the live poll `GET /incidents/board/changes/`
with a token 20 steps old, "changes 304" the same poll with the current ETag. The city
user is the duty officer (sees all 12 districts), the county user 历下区's officer.
{args.repeat} timed requests each after a warm-up; server time, p50 / p95.

Machine: {machine()}. The machine is shared with other work, so runs differ; the figures
are of the run that wrote this section. Generation ({gen}) is not timed below.

{table}

Target: < {TARGET_MS:.0f} ms server time. {verdict(outcomes)}

{NOTES}

Raw: `{final_line(outcomes)}`
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=[*BACKENDS, "all"], default="all")
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        outcome = run_backend(args)
        print("RESULT " + json.dumps(outcome, ensure_ascii=False), flush=True)
        return
    backends = list(BACKENDS) if args.backend == "all" else [args.backend]
    if "postgresql" in backends and not pg_available():
        print("PostgreSQL is not reachable: skipping it", flush=True)
        backends.remove("postgresql")
    outcomes = []
    for backend in backends:
        argv_child = [
            sys.executable,
            "-m",
            "bench.board",
            "--child",
            "--backend",
            backend,
            "--open",
            str(args.open),
            "--closed",
            str(args.closed),
            "--repeat",
            str(args.repeat),
        ]
        print(f"[{backend}]", flush=True)
        proc = subprocess.Popen(argv_child, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        result = None
        for line in proc.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[7:])
            else:
                print(line, end="", flush=True)
        if proc.wait() != 0 or result is None:
            sys.exit(f"bench.board failed on {backend}")
        outcomes.append(result)
    if not args.no_write and len(outcomes) == len(BACKENDS) and args.closed >= 1_000_000:
        write_section(SECTION, doc_body(outcomes, args))
    print(final_line(outcomes))


if __name__ == "__main__":
    main()
