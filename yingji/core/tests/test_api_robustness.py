"""Bad input never gives a 500: garbage to every write endpoint, and schemathesis."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world

GARBAGE_BODIES: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"\x00\x01\x02", "application/json"),
    (b"[]", "application/json"),
    (b"12345", "application/json"),
    (b'{"name": {"$gt": ""}, "code": [null], "lon": "east", "lat": 1e999}', "application/json"),
    (b'{"boundary": {"type": "Polygon", "coordinates": [[[1, 2]]]}}', "application/json"),
    (b"name=x&code=y", "application/x-www-form-urlencoded"),
    (
        b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
        "multipart/form-data; boundary=x",
    ),
    (b"<a>xml</a>", "application/xml"),
]


def write_operations(client: APIClient) -> list[tuple[str, str]]:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = []
    for path, methods in schema["paths"].items():
        for method in methods:
            if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
                operations.append((method.upper(), path))
    return operations


@pytest.mark.django_db
def test_garbage_to_every_write_endpoint_is_a_4xx() -> None:
    world = build_world()
    client = APIClient()
    client.force_login(world.user(Role.CITY_ADMIN))
    operations = write_operations(client)
    assert len(operations) >= 6, operations
    for method, path in operations:
        url = re.sub(r"\{[^}]+\}", str(world.county_a.pk), path)
        for body, content_type in GARBAGE_BODIES:
            response = client.generic(method, url, body, content_type)
            assert response.status_code < 500, (method, url, body, response.content[:300])
            if response.status_code == 400 and response["Content-Type"].startswith(
                "application/json"
            ):
                assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.django_db
def test_schema_is_served_and_describes_the_api() -> None:
    client = APIClient()
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/geo/regions/" in schema["paths"]
    assert "/api/v1/accounts/units/" in schema["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # The documentation page is served locally: no CDN in its HTML.
    assert b"cdn.jsdelivr" not in docs.content and b"unpkg.com" not in docs.content


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error(live_server, tmp_path: Path) -> None:
    world = build_world()
    admin = world.user(Role.CITY_ADMIN)
    token = Token.objects.create(user=admin)
    binary = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    # The full run (coverage + fuzzing + stateful phases, ~3 min) is CI's; the everyday
    # run fuzzes each operation briefly.
    full = os.environ.get("YINGJI_SCHEMATHESIS_FULL") == "1"
    examples = "15" if full else "10"
    phases = "examples,coverage,fuzzing,stateful" if full else "examples,fuzzing"
    command = [
        binary,
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--url",
        live_server.url,
        "-H",
        f"Authorization: Token {token.key}",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        examples,
        "--generation-deterministic",
        "--phases",
        phases,
        "--request-timeout",
        "20",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    # Show the failing operations (they come before the long summary of warnings).
    failures = output.split("SUMMARY")[0][-8000:]
    assert result.returncode == 0, failures
    assert "Server error" not in output, failures
    # The run really exercised the API.
    assert re.search(r"\d+ (passed|operations)", output), output[-3000:]
