"""Possible duplicates: radius, related type, time window, region scope, and the API."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.geo.distance import distance_m, offset_point
from yingji.incidents.choices import OPEN_STATUSES, IncidentStatus, SourceChannel
from yingji.incidents.duplicates import find_possible_duplicates, is_related_type
from yingji.incidents.models import Incident, IncidentType

URL = "/api/v1/incidents/possible-duplicates/"
# County A is the square 116.8–117.0 E, 36.5–36.7 N; county B lies east of 117.0.
CENTRE = (116.95, 36.6)
T0 = datetime(2026, 7, 15, 14, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def types(*codes: str) -> dict[str, IncidentType]:
    return {t.code: t for t in IncidentType.objects.filter(code__in=codes)}


def make_incident(
    world,
    *,
    code: str = "11A02",
    lon: float = CENTRE[0],
    lat: float = CENTRE[1],
    at: datetime = T0,
    status: str = IncidentStatus.RECEIVED,
    save: bool = True,
) -> Incident:
    incident = Incident(
        title=f"{code} 测试",
        incident_type=IncidentType.objects.get(code=code),
        occurred_at=at,
        received_at=at,
        status=status,
        source_channel=SourceChannel.PHONE,
        region=world.county_a if lon < 117.0 else world.county_b,
    )
    incident.set_point(lon, lat)
    if save:
        incident.save()
    return incident


def ids(candidates) -> list[int]:
    return [c.incident.pk for c in candidates]


def find(user, **kwargs):
    params = {
        "lon": CENTRE[0],
        "lat": CENTRE[1],
        "incident_type": "11A02",
        "occurred_at": T0,
        "user": user,
    }
    params.update(kwargs)
    return find_possible_duplicates(**params)


class TestTypeRelation:
    def test_related_codes(self):
        assert is_related_type("11A01", "11A02")
        assert is_related_type("11A01", "11A00")
        assert is_related_type("11A01", "11A01")
        assert not is_related_type("11A01", "11B01")
        assert not is_related_type("11A01", "12A01")
        assert not is_related_type("11000", "11A01")
        assert is_related_type("11000", "11000")

    def test_same_subcategory_or_same_type(self, world):
        city = world.user(Role.DUTY_OFFICER, "city")
        near = offset_point(*CENTRE, 45, 300)
        found = {
            code: make_incident(world, code=code, lon=near[0], lat=near[1])
            for code in ("11A01", "11A02", "11A00", "11A99", "11B03", "12A01", "11000")
        }
        got = {c.incident.incident_type.code for c in find(city, incident_type="11A02")}
        assert got == {"11A01", "11A02", "11A00", "11A99"}
        # a category code matches only itself
        got = {c.incident.incident_type.code for c in find(city, incident_type="11000")}
        assert got == {"11000"}
        # an IncidentType works as well as a code
        got = find(city, incident_type=found["12A01"].incident_type)
        assert ids(got) == [found["12A01"].pk]

    def test_reasons_name_the_relation(self, world):
        city = world.user(Role.DUTY_OFFICER, "city")
        lon, lat = offset_point(*CENTRE, 90, 320)
        make_incident(world, code="11A02", lon=lon, lat=lat, at=T0 - timedelta(minutes=45))
        make_incident(world, code="11A01", lon=lon, lat=lat, at=T0 + timedelta(hours=3))
        first, second = find(city)
        assert first.reason == "同为“内涝”（11A02），相距320米，事发时间相差45分钟"
        assert first.minutes_apart == 45
        assert first.distance_m == pytest.approx(320, abs=0.5)
        assert second.reason == "同属“水旱灾害”（11A01 洪水），相距320米，事发时间相差约3.0小时"


class TestWindowAndRadius:
    def test_window_boundaries_are_inclusive(self, world):
        city = world.user(Role.DUTY_OFFICER, "city")
        six = timedelta(hours=6)
        second = timedelta(seconds=1)
        inside = [
            make_incident(world, at=T0 - six),
            make_incident(world, at=T0 + six),
            make_incident(world, at=T0),
        ]
        make_incident(world, at=T0 - six - second)
        make_incident(world, at=T0 + six + second)
        assert set(ids(find(city))) == {i.pk for i in inside}
        # a narrower window
        assert ids(find(city, window=timedelta(minutes=0))) == [inside[2].pk]

    def test_window_from_settings(self, world, settings):
        city = world.user(Role.DUTY_OFFICER, "city")
        late = make_incident(world, at=T0 + timedelta(hours=7))
        assert find(city) == []
        settings.INCIDENT_DUPLICATE_WINDOW = timedelta(hours=8)
        assert ids(find(city)) == [late.pk]

    def test_radius(self, world, settings):
        city = world.user(Role.DUTY_OFFICER, "city")
        points = {m: offset_point(*CENTRE, 200, m) for m in (10, 990, 1010, 3000)}
        made = {m: make_incident(world, lon=p[0], lat=p[1]) for m, p in points.items()}
        # nearest first, only inside the default 1 km
        assert ids(find(city)) == [made[10].pk, made[990].pk]
        assert ids(find(city, radius_m=5000)) == [made[m].pk for m in (10, 990, 1010, 3000)]
        settings.INCIDENT_DUPLICATE_RADIUS_M = 100
        assert ids(find(city)) == [made[10].pk]
        with pytest.raises(ValueError):
            find(city, radius_m=-1)

    def test_only_open_incidents_and_not_itself(self, world):
        city = world.user(Role.DUTY_OFFICER, "city")
        by_status = {s: make_incident(world, status=s) for s in IncidentStatus.values}
        got = set(ids(find(city)))
        assert got == {by_status[s].pk for s in OPEN_STATUSES}
        this = by_status[IncidentStatus.RECEIVED]
        assert this.pk not in ids(find(city, exclude_id=this.pk))

    def test_incidents_without_a_point_are_never_candidates(self, world):
        city = world.user(Role.DUTY_OFFICER, "city")
        incident = make_incident(world)
        incident.set_point(None, None)
        incident.save()
        assert find(city) == []


class TestRegionScope:
    def test_out_of_region_user_sees_no_candidates(self, world):
        in_a = make_incident(world)  # county A
        assert ids(find(world.user(Role.COUNTY_OFFICER, "a"))) == [in_a.pk]
        assert ids(find(world.user(Role.DUTY_OFFICER, "city"))) == [in_a.pk]
        assert find(world.user(Role.COUNTY_OFFICER, "b")) == []

    def test_near_the_county_line_each_sees_its_own(self, world):
        west = make_incident(world, lon=116.999, lat=36.6)
        east = make_incident(world, lon=117.001, lat=36.6)
        kw = {"lon": 117.0, "lat": 36.6}
        assert ids(find(world.user(Role.COUNTY_OFFICER, "a"), **kw)) == [west.pk]
        assert ids(find(world.user(Role.COUNTY_OFFICER, "b"), **kw)) == [east.pk]
        assert set(ids(find(world.user(Role.DUTY_OFFICER, "city"), **kw))) == {west.pk, east.pk}


CODES = ["11A00", "11A01", "11A02", "11B03", "12A01", "11000"]


def brute_force(incidents, user_scope, *, lon, lat, code, at, radius, window):
    rows = []
    for incident in incidents:
        if incident.status not in OPEN_STATUSES:
            continue
        if user_scope and not incident.region.path.startswith(user_scope):
            continue
        if not is_related_type(code, incident.incident_type.code):
            continue
        if abs(incident.occurred_at - at) > window:
            continue
        d = distance_m(lon, lat, incident.lon, incident.lat)
        if d <= radius:
            rows.append((d, abs((incident.occurred_at - at).total_seconds()), incident.pk))
    return [pk for *_key, pk in sorted(rows)]


class TestBruteForce:
    def test_equals_a_scan_of_every_incident(self, world):
        """The H3 prefilter loses nothing: same rows, same order as checking every incident."""
        rng = random.Random(35561)
        statuses = [*OPEN_STATUSES, IncidentStatus.CLOSED, IncidentStatus.MERGED]
        made = [
            make_incident(
                world,
                code=rng.choice(CODES),
                lon=CENTRE[0] + rng.uniform(-0.04, 0.07),  # straddles the county line at 117.0
                lat=CENTRE[1] + rng.uniform(-0.03, 0.03),
                at=T0 + timedelta(minutes=rng.randint(-12 * 60, 12 * 60)),
                status=rng.choice(statuses),
                save=False,
            )
            for _ in range(400)
        ]
        Incident.objects.bulk_create(made)  # set_point already filled h3_cell
        incidents = list(Incident.objects.select_related("incident_type", "region"))
        assert len(incidents) == 400
        users = {
            "": world.user(Role.DUTY_OFFICER, "city"),
            world.county_a.path: world.user(Role.COUNTY_OFFICER, "a"),
            world.county_b.path: world.user(Role.COUNTY_OFFICER, "b"),
        }
        checked = []

        @settings(
            max_examples=120,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(
            dx=st.floats(min_value=-0.05, max_value=0.08),
            dy=st.floats(min_value=-0.04, max_value=0.04),
            code=st.sampled_from(CODES),
            minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
            radius=st.sampled_from([0.0, 150.0, 500.0, 1000.0, 2500.0]),
            window_minutes=st.sampled_from([0, 30, 360, 600]),
            scope=st.sampled_from(sorted(users)),
        )
        def check(dx, dy, code, minutes, radius, window_minutes, scope):
            lon, lat = CENTRE[0] + dx, CENTRE[1] + dy
            at = T0 + timedelta(minutes=minutes)
            window = timedelta(minutes=window_minutes)
            got = find_possible_duplicates(
                lon=lon,
                lat=lat,
                incident_type=code,
                occurred_at=at,
                user=users[scope],
                radius_m=radius,
                window=window,
            )
            expected = brute_force(
                incidents, scope, lon=lon, lat=lat, code=code, at=at, radius=radius, window=window
            )
            assert ids(got) == expected
            checked.append(len(expected))

        check()
        assert sum(1 for n in checked if n) >= 3  # the property was not tested on empties only


@pytest.mark.django_db
class TestAPI:
    @pytest.fixture
    def clients(self, world):
        def client(role, where):
            c = APIClient()
            c.force_authenticate(world.user(role, where))
            return c

        return {
            "city": client(Role.DUTY_OFFICER, "city"),
            "a": client(Role.COUNTY_OFFICER, "a"),
            "b": client(Role.COUNTY_OFFICER, "b"),
        }

    def test_candidates(self, world, clients):
        lon, lat = offset_point(*CENTRE, 0, 250)
        incident = make_incident(world, lon=lon, lat=lat, at=T0 - timedelta(minutes=20))
        params = {
            "lon": CENTRE[0],
            "lat": CENTRE[1],
            "type": "11A01",
            "occurred_at": T0.isoformat(),
        }
        response = clients["a"].get(URL, params)
        assert response.status_code == 200, response.content
        (row,) = response.json()
        assert row["id"] == incident.pk
        assert row["number"] == incident.number
        assert row["incident_type"] == {"code": "11A02", "name": "内涝"}
        assert row["distance_m"] == pytest.approx(250, abs=0.5)
        assert row["minutes_apart"] == 20
        assert row["reason"].startswith("同属“水旱灾害”（11A02 内涝），相距250米")
        assert row["region"] == world.county_a.name
        # out of region: nothing
        assert clients["b"].get(URL, params).json() == []
        # excluded, narrower radius and window
        assert clients["city"].get(URL, {**params, "exclude": incident.pk}).json() == []
        assert clients["city"].get(URL, {**params, "radius_m": 100}).json() == []
        assert clients["city"].get(URL, {**params, "window_minutes": 10}).json() == []
        assert len(clients["city"].get(URL, {**params, "window_minutes": 20}).json()) == 1

    def test_occurred_at_defaults_to_now(self, world, clients):
        make_incident(world, at=timezone.now() - timedelta(hours=1))
        params = {"lon": CENTRE[0], "lat": CENTRE[1], "type": "11A02"}
        assert len(clients["city"].get(URL, params).json()) == 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"lat": 36.6, "type": "11A02"}, "lon"),
            ({"lon": "abc", "lat": 36.6, "type": "11A02"}, "lon"),
            ({"lon": "nan", "lat": 36.6, "type": "11A02"}, "lon"),
            ({"lon": "inf", "lat": 36.6, "type": "11A02"}, "lon"),
            ({"lon": 181, "lat": 36.6, "type": "11A02"}, "lon"),
            ({"lon": 117, "lat": -91, "type": "11A02"}, "lat"),
            ({"lon": 117, "lat": 36.6}, "type"),
            ({"lon": 117, "lat": 36.6, "type": "11I02"}, "type"),
            ({"lon": 117, "lat": 36.6, "type": "11A02", "occurred_at": "yesterday"}, "occurred_at"),
            ({"lon": 117, "lat": 36.6, "type": "11A02", "radius_m": -5}, "radius_m"),
            ({"lon": 117, "lat": 36.6, "type": "11A02", "radius_m": 1e9}, "radius_m"),
            ({"lon": 117, "lat": 36.6, "type": "11A02", "window_minutes": -1}, "window_minutes"),
            ({"lon": 117, "lat": 36.6, "type": "11A02", "exclude": "x"}, "exclude"),
        ],
    )
    def test_bad_input_is_400(self, clients, params, field):
        response = clients["city"].get(URL, params)
        assert response.status_code == 400, response.content
        assert field in response.json()["fields"]

    def test_anonymous_is_refused(self, world):
        params = {"lon": CENTRE[0], "lat": CENTRE[1], "type": "11A02"}
        assert APIClient().get(URL, params).status_code in (401, 403)


def test_any_query_string_is_200_or_400(world):
    """Fuzz: whatever the parameters hold, the answer is a list or a 400 — never a 500."""
    make_incident(world)
    client = APIClient()
    client.force_authenticate(world.user(Role.DUTY_OFFICER, "city"))
    values = st.one_of(
        st.text(max_size=30),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.sampled_from(["116.95", "36.6", "11A02", "11000", "2026-07-15T14:00", "0", "1e308"]),
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        params=st.fixed_dictionaries(
            {"lon": values, "lat": values, "type": values},
            optional={
                "occurred_at": values,
                "radius_m": values,
                "window_minutes": values,
                "exclude": values,
            },
        )
    )
    def check(params):
        response = client.get(URL, params)
        assert response.status_code in (200, 400), (params, response.content[:300])

    check()
