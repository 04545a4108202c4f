"""Point → region lookup throughput: ``python -m bench.region_lookup [--points N]``.

Sets up its own SQLite database in a temporary folder, loads Jinan's districts, zones and
synthetic townships, builds the lookup index, then times ``yingji.geo.lookup.locate`` on
random points in Jinan's bounding box (one process, one thread). Prints the figures, its
last line as ``key=value`` pairs, and records them in docs/performance.md under
"Region lookup".
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
SECTION = "## Region lookup"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def setup_django(tmp: str) -> str:
    os.environ.pop("DATABASE_URL", None)  # the benchmark is about the in-process index
    os.environ["YINGJI_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ["YINGJI_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return "sqlite"


def write_section(body: str) -> None:
    PERFORMANCE_MD.parent.mkdir(parents=True, exist_ok=True)
    text = PERFORMANCE_MD.read_text(encoding="utf-8") if PERFORMANCE_MD.exists() else ""
    if not text:
        text = "# Performance\n\nFigures written by the benchmarks in `bench/`.\n"
    section = f"{SECTION}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    PERFORMANCE_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Point → region lookup benchmark")
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="yingji-bench-") as tmp:
        backend = setup_django(tmp)
        from yingji.geo import lookup
        from yingji.geo.loaders import load_jinan
        from yingji.geo.models import Region

        started = time.perf_counter()
        load_jinan(with_townships=True)
        load_s = time.perf_counter() - started
        lookup.invalidate()
        started = time.perf_counter()
        index = lookup.get_index()
        build_s = time.perf_counter() - started
        regions = Region.objects.count()

        city = Region.objects.get(code="370100")
        rng = random.Random(args.seed)
        points = [
            (rng.uniform(city.min_lon, city.max_lon), rng.uniform(city.min_lat, city.max_lat))
            for _ in range(args.points)
        ]
        locate = lookup.locate
        # Throughput: the public function, as callers use it.
        started = time.perf_counter()
        found = 0
        for lon, lat in points:
            if locate(lon, lat).district is not None:
                found += 1
        elapsed = time.perf_counter() - started
        # Latency: a sample timed one by one (the timer itself costs ~0.1 µs).
        timer = time.perf_counter_ns
        samples = []
        for lon, lat in points[: min(len(points), 50_000)]:
            t0 = timer()
            locate(lon, lat)
            samples.append(timer() - t0)
        samples.sort()
        p50_us = samples[len(samples) // 2] / 1000
        p99_us = samples[int(len(samples) * 0.99)] / 1000
        mean_us = statistics.fmean(samples) / 1000
        # Points near edges only: those in cells that need exact shapely tests.
        hard = [
            (lon, lat)
            for lon, lat in points
            if type(
                index._cells[
                    int((lat - index.y0) / index.step) * index.nx
                    + int((lon - index.x0) / index.step)
                ]
            ).__name__
            == "_Pending"
        ]
        inside = [(lon, lat) for lon, lat in points if locate(lon, lat).district is not None]
        started = time.perf_counter()
        for lon, lat in inside:
            locate(lon, lat)
        inside_per_s = len(inside) / (time.perf_counter() - started) if inside else 0.0
        started = time.perf_counter()
        for lon, lat in hard:
            locate(lon, lat)
        hard_per_s = len(hard) / (time.perf_counter() - started) if hard else 0.0

    per_s = args.points / elapsed
    cores = os.cpu_count() or 0
    machine = f"{cores} cores, {cpu_model()}, Python {platform.python_version()}"
    print(f"regions loaded: {regions} in {load_s:.2f} s; index built in {build_s:.2f} s")
    print(
        f"grid {index.nx}x{index.ny} cells of {index.step:.4f}°, "
        f"{index.settled_share:.1%} settled without geometry tests"
    )
    print(f"{args.points} random points in Jinan's bbox, {found} inside a district")
    print(f"points inside a district only: {inside_per_s:,.0f}/s")
    print(f"near-edge points (exact tests): {len(hard)} at {hard_per_s:,.0f}/s")
    print(f"machine: {machine}")
    figures = (
        f"lookups_per_s={per_s:.0f} points={args.points} p50_us={p50_us:.2f} "
        f"p99_us={p99_us:.2f} mean_us={mean_us:.2f} inside_lookups_per_s={inside_per_s:.0f} "
        f"edge_lookups_per_s={hard_per_s:.0f} "
        f"build_s={build_s:.2f} load_s={load_s:.2f} regions={regions} backend={backend}"
    )
    if not args.no_write:
        write_section(
            f"""
`python -m bench.region_lookup` — `yingji.geo.lookup.locate(lon, lat)` (district,
township and zones of a point) in one process, one thread, on Jinan's 12 districts,
3 functional zones and the synthetic demo townships ({regions} regions in all), for
{args.points:,} uniformly random points in the city's bounding box.

Machine: {machine}. The machine is shared with other work, so runs differ by up
to ~2×; the figures are of the run that wrote this section.

| figure | value |
| --- | --- |
| lookups per second | {per_s:,.0f} |
| lookups per second, points inside a district only | {inside_per_s:,.0f} |
| latency p50 / p99 / mean | {p50_us:.2f} / {p99_us:.2f} / {mean_us:.2f} µs |
| near-edge points (exact shapely tests) | {len(hard):,} of {args.points:,}, {hard_per_s:,.0f}/s |
| cells settled without a geometry test | {index.settled_share:.1%} of {index.nx}×{index.ny} |
| index build (from the database) | {build_s:.2f} s |
| loading the regions (`load_jinan(with_townships=True)`) | {load_s:.2f} s |

Target: ≥ 50,000 lookups/s. Raw: `{figures}`
"""
        )
    print(figures)


if __name__ == "__main__":
    main()
