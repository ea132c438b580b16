"""Proof of service: the PDF says who, how many verified hours and its serial; anyone can verify
the serial without learning the ID number."""

import datetime
import hashlib
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest
from pypdf import PdfReader

from stations.models import Station
from stations.pdf import FONT_CANDIDATES
from tests.factories import make_station
from tests.orgs.factories import make_org
from tests.volunteers.factories import (
    SHANGHAI,
    make_activity,
    make_record,
    make_team,
    make_volunteer,
)
from volunteers import services
from volunteers.models import Activity, IssuedProof, OrganiserKind, ServiceRecord, Team
from volunteers.pdf import font_available

pytestmark = pytest.mark.django_db

needs_font = pytest.mark.skipif(
    not font_available(),
    reason=f"no embeddable CJK font at {FONT_CANDIDATES[0]} (apt-get install fonts-wqy-zenhei)",
)
START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
STATION = "东胜区公园街道社会工作服务站"


def pdf_text(data: bytes) -> str:
    """The PDF's text without white space (table cells and wrapped lines split words)."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages).replace("\x00", "")
    return "".join(text.split())


def embedded_fonts(data: bytes) -> set[str]:
    """The base names of the fonts whose program is embedded in the PDF (/FontFile2)."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


def station_activity(station, title: str) -> Activity:
    return Activity.objects.create(
        title=title,
        starts_at=datetime.datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI),
        place="社区服务中心",
        area=station.area.children.get(),
        organiser_kind=OrganiserKind.STATION,
        organiser_station=station,
        organiser_name=station.name,
    )


@pytest.fixture
def served(tree):
    """A volunteer in county A with, in 2025: 2.5 + 3 verified hours and 4 unverified ones at
    activities of 公园街道's station, and 1.5 verified hours at one of a volunteer team."""
    volunteer = make_volunteer(tree.comm_a2, name="张晓明", national_number="NV150602000123")
    station = make_station(tree.town_a2)
    team = make_team(tree.comm_a2, name="公园街道志愿服务队")
    make_record(volunteer, station_activity(station, "敬老院义诊"), "2.5", verified=True)
    make_record(volunteer, station_activity(station, "垃圾分类宣传"), "3", verified=True)
    make_record(volunteer, station_activity(station, "未核实活动"), "4", verified=False)
    make_record(
        volunteer, make_activity(tree.comm_a2, title="团队探访", team=team), "1.5", verified=True
    )
    return volunteer


@pytest.fixture
def station(served):
    return Station.objects.get(name=STATION)


@needs_font
def test_proof_pdf_shows_name_verified_hours_and_serial(served, station, actors):
    proof = services.proof_issue(
        actor=actors.county_admin,
        volunteer=served,
        period_start=START,
        period_end=END,
        station=station,
    )

    stored = IssuedProof.objects.get(pk=proof.pk)
    text = pdf_text(bytes(stored.pdf))
    assert "张晓明" in text
    assert "5.50" in text
    assert stored.serial in text
    assert "敬老院义诊" in text
    assert STATION in text
    assert "未核实活动" not in text
    assert "团队探访" not in text
    assert served.id_number not in text
    assert (stored.total_hours, stored.activity_count, stored.issuer_name) == (
        Decimal("5.5"),
        2,
        STATION,
    )
    assert (stored.station_id, stored.team_id, stored.organisation_id, stored.area) == (
        station.pk,
        None,
        None,
        station.area,
    )
    assert stored.content_hash == hashlib.sha256(bytes(stored.pdf)).hexdigest()
    assert embedded_fonts(bytes(stored.pdf)) == {"WenQuanYiZenHei-0"}


@needs_font
def test_serials_are_long_and_distinct(served, station, actors):
    serials = {
        services.proof_issue(
            actor=actors.county_admin,
            volunteer=served,
            period_start=START,
            period_end=END,
            station=station,
        ).serial
        for _ in range(3)
    }

    assert len(serials) == 3
    assert {len(serial) for serial in serials} == {20}


@needs_font
def test_a_team_proof_counts_only_the_teams_activities(served, actors):
    team = Team.objects.get(name="公园街道志愿服务队")

    proof = services.proof_issue(
        actor=actors.county_admin, volunteer=served, period_start=START, period_end=END, team=team
    )

    assert (proof.total_hours, proof.activity_count, proof.issuer_name, proof.team) == (
        Decimal("1.5"),
        1,
        "公园街道志愿服务队",
        team,
    )


@needs_font
def test_an_organisation_proof_counts_only_the_organisations_activities(served, tree, actors):
    org = make_org(tree.comm_a2, name="宝日陶亥邻里互助会")
    activity = make_activity(tree.comm_a2, title="邻里互助日")
    activity.organiser_org, activity.organiser_name = org, org.name
    activity.save()
    make_record(served, activity, "2", verified=True)

    proof = services.proof_issue(
        actor=actors.county_admin,
        volunteer=served,
        period_start=START,
        period_end=END,
        organisation=org,
    )

    assert (proof.total_hours, proof.activity_count, proof.issuer_name) == (
        Decimal(2),
        1,
        "宝日陶亥邻里互助会",
    )
    assert (proof.organisation, proof.area) == (org, tree.comm_a2)
    assert "邻里互助日" in pdf_text(bytes(IssuedProof.objects.get(pk=proof.pk).pdf))


ISSUER_MESSAGE = (
    "Name the one organisation issuing the proof: the volunteer team, the social-work station "
    "or the community organisation that ran the activities."
)


@pytest.mark.parametrize("_case", ["none", "two"])
def test_a_proof_has_exactly_one_issuer(served, station, actors, _case):
    issuers = {} if _case == "none" else {"station": station, "team": Team.objects.get()}

    with pytest.raises(ValidationError) as error:
        services.proof_issue(
            actor=actors.county_admin,
            volunteer=served,
            period_start=START,
            period_end=END,
            **issuers,
        )

    assert error.value.message_dict == {"issuer": [ISSUER_MESSAGE]}
    assert IssuedProof.objects.count() == 0


def test_an_issuer_out_of_reach_is_refused(served, station, tree, actors):
    # 交通街道's administrator reaches the volunteer, not 公园街道's station.
    with pytest.raises(ValidationError) as error:
        services.proof_issue(
            actor=actors.township_admin,
            volunteer=make_volunteer(tree.comm_a1_urban),
            period_start=START,
            period_end=END,
            station=station,
        )

    assert error.value.message_dict == {"station": ["No such record within your reach."]}
    assert IssuedProof.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "start", "issuer"),
    [("another year", datetime.date(2024, 1, 1), "station"), ("a team's year", START, "other")],
)
def test_no_verified_hours_in_the_period_issues_nothing(
    served, station, tree, actors, _case, start, issuer
):
    issuers = {"station": station}
    if issuer == "other":
        issuers = {"team": make_team(tree.comm_a2, name="别的服务队")}
    with pytest.raises(ValidationError) as error:
        services.proof_issue(
            actor=actors.county_admin,
            volunteer=served,
            period_start=start,
            period_end=start.replace(month=12, day=31),
            **issuers,
        )

    name = STATION if issuer == "station" else "别的服务队"
    assert error.value.messages == [
        f"No verified hours of this volunteer in the period at activities {name} ran."
    ]
    assert IssuedProof.objects.count() == 0


def test_a_volunteer_out_of_reach_gets_no_proof(served, station, actors):
    with pytest.raises(ValidationError) as error:
        services.proof_issue(
            actor=actors.other_county_admin,
            volunteer=served,
            period_start=START,
            period_end=END,
            station=station,
        )

    assert error.value.message_dict == {"volunteer": ["No such volunteer within your reach."]}
    assert IssuedProof.objects.count() == 0


@needs_font
def test_public_page_verifies_the_serial_without_the_id_number(served, station, actors, client):
    proof = services.proof_issue(
        actor=actors.county_admin,
        volunteer=served,
        period_start=START,
        period_end=END,
        station=station,
    )

    response = client.get(f"/verify/{proof.serial}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "张*明" in page
    assert "张晓明" not in page
    assert served.id_number not in page
    assert served.id_number[-4:] + "<" not in page
    assert "5.50" in page
    assert "2025-01-01" in page
    assert "东胜区" in page


def test_public_page_answers_404_for_an_unknown_serial(tree, client):
    response = client.get("/verify/ABCDEFGHJKMNPQRSTUVW/")

    assert response.status_code == 404


@needs_font
def test_public_api_verifies_the_serial_without_login(served, station, actors, api):
    proof = services.proof_issue(
        actor=actors.county_admin,
        volunteer=served,
        period_start=START,
        period_end=END,
        station=station,
    )

    response = api().get(f"/api/v1/proofs/verify/{proof.serial.lower()}/")

    assert response.status_code == 200
    assert response.json() == {
        "serial": proof.serial,
        "volunteer": "张*明",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "total_hours": "5.50",
        "activity_count": 2,
        "issuer": STATION,
        "issued_on": timezone.localtime(proof.issued_at).date().isoformat(),
        "is_current": True,
    }


def stored_proof(served, tree, **fields) -> IssuedProof:
    """A proof as issued by 公园街道's station over 2025 (5.5 hours, 2 activities), no PDF."""
    station = Station.objects.get(name=STATION)
    values = {
        "serial": "OUTDATEDSERIAL234567",
        "volunteer": served,
        "period_start": START,
        "period_end": END,
        "total_hours": Decimal("5.5"),
        "activity_count": 2,
        "issuer_name": STATION,
        "area": station.area,
        "station": station,
        "issued_at": timezone.now(),
        "content_hash": "0" * 64,
        "pdf": b"%PDF-",
        **fields,
    }
    return IssuedProof.objects.create(**values)


def test_a_proof_whose_hours_were_unverified_is_outdated(served, tree, actors, api):
    proof = stored_proof(served, tree)
    fresh = api().get(f"/api/v1/proofs/verify/{proof.serial}/").json()["is_current"]
    record = ServiceRecord.objects.get(activity__title="敬老院义诊")
    services.record_unverify(actor=actors.county_admin, record=record, reason="误录")

    response = api().get(f"/api/v1/proofs/verify/{proof.serial}/")

    assert (fresh, response.status_code, response.json()["is_current"]) == (True, 200, False)
    assert response.json()["total_hours"] == "5.50"


def test_a_proof_whose_hours_were_corrected_is_outdated(served, tree, actors, api):
    proof = stored_proof(served, tree)
    record = ServiceRecord.objects.get(activity__title="垃圾分类宣传")
    services.record_correct_hours(
        actor=actors.county_admin, record=record, hours=Decimal(2), reason="核对"
    )

    response = api().get(f"/api/v1/proofs/verify/{proof.serial}/")

    assert response.json()["is_current"] is False


def test_a_team_proof_ignores_hours_outside_the_team(served, tree, actors, api):
    team = Team.objects.get(name="公园街道志愿服务队")
    proof = stored_proof(
        served, tree, station=None, team=team, total_hours=Decimal("1.5"), activity_count=1
    )
    record = ServiceRecord.objects.get(activity__title="未核实活动")
    services.record_verify(actor=actors.county_admin, record=record)

    response = api().get(f"/api/v1/proofs/verify/{proof.serial}/")

    assert response.json()["is_current"] is True


def test_an_older_proof_without_an_issuer_counts_its_areas_activities(served, tree, api):
    # Issued before proofs named their issuer: by county A, over every activity in it.
    proof = stored_proof(
        served,
        tree,
        station=None,
        area=tree.county_a,
        issuer_name="东胜区",
        total_hours=Decimal(7),
        activity_count=3,
    )

    response = api().get(f"/api/v1/proofs/verify/{proof.serial}/")

    assert (response.json()["issuer"], response.json()["is_current"]) == ("东胜区", True)


def test_public_page_says_an_outdated_proof_is_outdated(served, tree, actors, client):
    current = stored_proof(served, tree, serial="CURRENTSERIAL2345678")
    outdated = stored_proof(served, tree, total_hours=Decimal(8), activity_count=3)

    current_page = client.get(f"/verify/{current.serial}/").content.decode()
    outdated_page = client.get(f"/verify/{outdated.serial}/").content.decode()

    warning = "Outdated: the hours verified for this period have changed"
    assert (warning in current_page, warning in outdated_page) == (False, True)


def test_public_api_answers_404_for_an_unknown_serial(tree, api):
    response = api().get("/api/v1/proofs/verify/NOSUCHSERIAL234567AB/")

    assert response.status_code == 404


def test_public_verification_is_throttled(tree, api, settings):
    settings.VOLUNTEER_VERIFY_THROTTLE_RATE = "3/minute"
    client = api()

    codes = [
        client.get("/api/v1/proofs/verify/NOSUCHSERIAL234567AB/").status_code for _ in range(4)
    ]

    assert codes == [404, 404, 404, 429]


def test_public_page_is_throttled(tree, client, settings):
    settings.VOLUNTEER_VERIFY_THROTTLE_RATE = "2/minute"

    codes = [client.get("/verify/NOSUCHSERIAL234567AB/").status_code for _ in range(3)]

    assert codes == [404, 404, 429]


@needs_font
def test_pdf_download_is_scoped(served, station, actors, api):
    proof = services.proof_issue(
        actor=actors.county_admin,
        volunteer=served,
        period_start=START,
        period_end=END,
        station=station,
    )

    own = api(actors.county_admin).get(f"/api/v1/proofs/{proof.pk}/pdf/")
    other = api(actors.other_county_admin).get(f"/api/v1/proofs/{proof.pk}/pdf/")

    assert (own.status_code, own["Content-Type"], other.status_code) == (
        200,
        "application/pdf",
        404,
    )
    assert hashlib.sha256(own.content).hexdigest() == proof.content_hash


@needs_font
def test_issuing_through_the_api(served, station, actors, api):
    payload = {"volunteer": served.pk, "period_start": "2025-01-01", "period_end": "2025-12-31"}
    client = api(actors.county_admin)

    refused = client.post("/api/v1/proofs/", payload, format="json")
    response = client.post("/api/v1/proofs/", {**payload, "station": station.pk}, format="json")

    assert (refused.status_code, refused.json()) == (400, {"issuer": [ISSUER_MESSAGE]})
    assert response.status_code == 201
    assert (
        response.json()["total_hours"],
        response.json()["activity_count"],
        response.json()["issuer_name"],
        response.json()["station"],
        response.json()["team"],
    ) == ("5.50", 2, STATION, station.pk, None)
    assert IssuedProof.objects.get().serial == response.json()["serial"]


def test_the_api_does_not_issue_as_a_station_out_of_reach(served, tree, actors, api):
    other = make_station(tree.town_b1)
    payload = {
        "volunteer": served.pk,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "station": other.pk,
    }

    response = api(actors.county_admin).post("/api/v1/proofs/", payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["station"]
    assert IssuedProof.objects.count() == 0
