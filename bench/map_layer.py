"""The map's layer endpoint with 100,000 points: ``python -m bench.map_layer``.

Sets up its own SQLite database in a temporary folder (``--postgres`` uses a database
``yingji_bench_map_layer`` on 127.0.0.1:5432 instead, created and dropped), loads Jinan's
regions, writes 100,000 synthetic incidents (points in Jinan's bounding box, clustered
around the district seats) and times ``GET /api/v1/geo/layers/<key>/`` through Django's
test client as a city-level administrator (not a superuser): the whole request, from
URL routing and ``restrict()`` to the JSON bytes. Also the 304 answer to a repeated
request with ``If-None-Match``, and a ``bbox`` request of the central city.

Prints figures and ends with one ``key=value`` line; writes the "Map layer endpoint"
section of docs/performance.md (``--no-write`` to skip).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

from bench.spatial import BBOX, CENTRES, PG, ROOT, admin_sql, machine, write_section

SECTION = "## Map layer endpoint"
DB_NAME = "yingji_bench_map_layer"


def setup(tmp: str, postgres: bool) -> str:
    if postgres:
        admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin_sql(f"CREATE DATABASE {DB_NAME}")
        os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["YINGJI_SQLITE_PATH"] = str(os.path.join(tmp, "bench.sqlite3"))
    os.environ["YINGJI_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    return connection.vendor


def make_incidents(n: int, seed: int) -> float:
    from django.utils import timezone

    from yingji.geo import lookup
    from yingji.geo.models import Region
    from yingji.incidents.choices import IncidentStatus, SourceChannel
    from yingji.incidents.models import Incident, IncidentType

    rng = random.Random(seed)
    kind = IncidentType.objects.filter(depth__gte=2).first() or IncidentType.objects.create(
        code="11A02", name="合成类型", depth=3
    )
    city = Region.objects.get(code="370100")
    regions = {r.id: r for r in Region.objects.all()}
    index = lookup.get_index()
    now = timezone.now()
    statuses = [s for s, _ in IncidentStatus.choices]
    started = time.perf_counter()
    batch = []
    for i in range(n):
        if rng.random() < 0.6:
            cx, cy = rng.choice(CENTRES)
            lon, lat = cx + rng.gauss(0, 0.06), cy + rng.gauss(0, 0.05)
        else:
            lon, lat = rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3])
        ref = index.locate(lon, lat).deepest
        incident = Incident(
            title=f"合成事件{i:06d}",
            incident_type=kind,
            occurred_at=now - timedelta(hours=2),
            received_at=now - timedelta(hours=1),
            source_channel=SourceChannel.PHONE,
            region=regions[ref.id] if ref else city,
            status=statuses[i % len(statuses)],
            severity=1 + i % 4,
            address=f"合成地址{i}号",
        )
        incident.set_point(lon, lat)
        batch.append(incident)
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    if batch:
        Incident.objects.bulk_create(batch)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Map layer endpoint benchmark")
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="yingji-bench-") as tmp:
        try:
            figures = run(args, tmp)
        finally:
            if args.postgres:
                from django.db import connections

                connections.close_all()
                admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    print(figures)


def run(args: Any, tmp: str) -> str:
    backend = setup(tmp, args.postgres)
    from django.test import Client

    from yingji.accounts.choices import Role
    from yingji.core.testing.world import make_unit, make_user
    from yingji.geo.layers import Layer, get_layer, register
    from yingji.geo.loaders import load_jinan
    from yingji.geo.models import Region
    from yingji.incidents.models import Incident

    load_jinan(with_townships=True)
    gen_s = make_incidents(args.points, 20261201)
    if backend == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    layer = get_layer("incidents.incident") or register(
        Layer(
            key="incidents.incident",
            label="突发事件",
            model=Incident,
            category="incidents",
            popup_fields=("status", "severity"),
            filters={"status": "status", "severity": "severity"},
            search_fields=("title", "address"),
        )
    )
    city = Region.objects.get(code="370100")
    user = make_user("bench-map", Role.CITY_ADMIN, make_unit("济南市应急管理局（基准）", city))
    client = Client()
    client.force_login(user)
    url = f"/api/v1/geo/layers/{layer.key}/"

    def get(**extra: Any) -> tuple[float, Any]:
        t0 = time.perf_counter()
        response = client.get(url, **extra)
        body = response.content
        return (time.perf_counter() - t0) * 1000, (response, body)

    get()  # warm-up
    full = [get() for _ in range(args.repeat)]
    times = [t for t, _ in full]
    response, body = full[-1][1]
    assert response.status_code == 200, response.status_code
    import json

    count = json.loads(body)["count"]
    etag = response["ETag"]
    not_modified = [get(HTTP_IF_NONE_MATCH=etag)[0] for _ in range(args.repeat)]
    t0 = time.perf_counter()
    bbox_response = client.get(url, {"bbox": "116.90,36.60,117.15,36.72"})
    bbox_ms = (time.perf_counter() - t0) * 1000
    bbox_count = json.loads(bbox_response.content)["count"]

    med = statistics.median(times)
    worst = max(times)
    nm = statistics.median(not_modified)
    size_mb = len(body) / 1e6
    line = (
        f"layer_100k_ms={med:.0f} layer_100k_max_ms={worst:.0f} layer_304_ms={nm:.0f} "
        f"layer_bbox_ms={bbox_ms:.0f} bbox_features={bbox_count} features={count} "
        f"body_mb={size_mb:.1f} backend={backend} generate_s={gen_s:.1f}"
    )
    print(f"machine: {machine()}")
    print(f"{count:,} features, {size_mb:.1f} MB: median {med:.0f} ms, worst {worst:.0f} ms")
    print(f"304: {nm:.0f} ms; bbox ({bbox_count:,} features): {bbox_ms:.0f} ms")
    if not args.no_write:
        write_section(
            SECTION,
            f"""
`python -m bench.map_layer` — `GET /api/v1/geo/layers/incidents.incident/` with
{count:,} synthetic incidents (60 % clustered around the district seats) on {backend},
through Django's test client as a city-level administrator (not a superuser): routing,
`restrict()`, the ETag stamp query, `values_list` and the JSON bytes. Median of
{args.repeat} requests after a warm-up.

Machine: {machine()}. Shared with other work: runs differ by up to ~2×.

| figure | value |
| --- | --- |
| full layer, {count:,} points ({size_mb:.1f} MB of JSON) | median {med:.0f} ms, worst {worst:.0f} ms |
| repeated request with `If-None-Match` → 304 | {nm:.0f} ms |
| `bbox` of the central city ({bbox_count:,} points) | {bbox_ms:.0f} ms |

Target: < 1 s for 100,000 points. Raw: `{line}`
""",
        )
    return line


if __name__ == "__main__":
    main()
