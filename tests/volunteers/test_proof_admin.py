"""The admin issues proofs of service through the service (one issuer, scoped choices) and
downloads each proof's PDF as issued; out of reach is 404."""

import datetime
import hashlib
from decimal import Decimal

import pytest

from stations.models import User
from tests.factories import make_station
from tests.volunteers.factories import SHANGHAI, make_record, make_volunteer
from volunteers import services
from volunteers.models import Activity, IssuedProof, OrganiserKind
from volunteers.pdf import font_available

pytestmark = pytest.mark.django_db

needs_font = pytest.mark.skipif(not font_available(), reason="no embeddable CJK font installed")
ADD = "/admin/volunteers/issuedproof/add/"
STATION = "东胜区交通街道社会工作服务站"


@pytest.fixture
def served(tree):
    """A volunteer with 2 + 1.5 verified hours in 2025 at activities of 交通街道's station."""
    station = make_station(tree.town_a1)
    volunteer = make_volunteer(tree.comm_a1_urban, name="王丽")
    for day, hours in ((3, "2"), (9, "1.5")):
        activity = Activity.objects.create(
            title=f"四点半课堂{day}",
            starts_at=datetime.datetime(2025, 5, day, 16, 30, tzinfo=SHANGHAI),
            place="社区服务中心",
            area=tree.comm_a1_urban,
            organiser_kind=OrganiserKind.STATION,
            organiser_station=station,
            organiser_name=station.name,
        )
        make_record(volunteer, activity, hours, verified=True)
    return volunteer, station


def login(client, user):
    client.force_login(User.objects.get(pk=user.pk))
    return client


def form(volunteer, **issuer) -> dict:
    return {
        "volunteer": volunteer.pk,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "team": "",
        "station": "",
        "organisation": "",
        **issuer,
    }


@needs_font
def test_the_admin_issues_a_proof_for_a_station(client, actors, served):
    volunteer, station = served
    admin = login(client, actors.county_admin)

    page = admin.get(ADD)
    response = admin.post(ADD, form(volunteer, station=station.pk), follow=True)

    proof = IssuedProof.objects.get()
    assert page.status_code == 200
    assert list(page.context["form"].fields) == [
        "volunteer",
        "period_start",
        "period_end",
        "team",
        "station",
        "organisation",
    ]
    assert response.redirect_chain == [(f"/admin/volunteers/issuedproof/{proof.pk}/change/", 302)]
    assert (
        proof.station,
        proof.total_hours,
        proof.activity_count,
        proof.issuer_name,
        proof.issued_by,
    ) == (station, Decimal("3.5"), 2, STATION, actors.county_admin)
    assert [str(message) for message in response.context["messages"]] == [
        f"Proof {proof.serial} issued: 3.50 verified hours in 2 activities."
    ]
    assert f'href="/admin/volunteers/issuedproof/{proof.pk}/pdf/"' in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "issuer", "errors"),
    [
        (
            "no issuer",
            {},
            {
                "__all__": [
                    "Name the one organisation issuing the proof: the volunteer team, the "
                    "social-work station or the community organisation that ran the activities."
                ]
            },
        ),
        (
            "a station of another county",
            {"station": "other"},
            {
                "station": [
                    "Select a valid choice. That choice is not one of the available choices."
                ]
            },
        ),
    ],
)
def test_a_refused_proof_shows_on_the_form_and_writes_nothing(
    client, tree, actors, served, _case, issuer, errors
):
    volunteer, _station = served
    if issuer.get("station") == "other":
        issuer = {"station": make_station(tree.town_b1).pk}

    response = login(client, actors.county_admin).post(ADD, form(volunteer, **issuer))

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert IssuedProof.objects.count() == 0


def test_a_viewer_cannot_issue(client, actors, served):
    volunteer, station = served
    viewer = login(client, actors.viewer)

    assert viewer.get(ADD).status_code == 403
    assert viewer.post(ADD, form(volunteer, station=station.pk)).status_code == 403
    assert IssuedProof.objects.count() == 0


@needs_font
def test_the_pdf_downloads_as_issued_and_only_within_reach(client, actors, served):
    volunteer, station = served
    proof = services.proof_issue(
        actor=actors.county_admin,
        volunteer=volunteer,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        station=station,
    )
    url = f"/admin/volunteers/issuedproof/{proof.pk}/pdf/"

    listed = login(client, actors.county_admin).get("/admin/volunteers/issuedproof/")
    own = client.get(url)
    other = login(client, actors.other_county_admin).get(url)
    unknown = client.get("/admin/volunteers/issuedproof/999999/pdf/")

    assert f'href="{url}"' in listed.content.decode()
    assert (own.status_code, own["Content-Type"]) == (200, "application/pdf")
    assert own["Content-Disposition"] == f'attachment; filename="proof-{proof.serial}.pdf"'
    assert hashlib.sha256(own.content).hexdigest() == proof.content_hash
    assert (other.status_code, unknown.status_code) == (404, 404)


def test_the_issuer_pickers_offer_only_what_the_user_reaches(client, tree, actors, served):
    _volunteer, station = served
    make_station(tree.town_b1)

    response = login(client, actors.county_admin).get(
        "/admin/autocomplete/",
        {"app_label": "volunteers", "model_name": "issuedproof", "field_name": "station"},
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(station.pk)]
