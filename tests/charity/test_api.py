"""The charity API: scoping of every endpoint, the append-only ledger, matching, exports."""

import datetime
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from openpyxl import load_workbook

from charity.models import CharityFund, CharitySource, LedgerEntry, LinkageProject, Need, Resource
from charity.services import supermarket
from stations.models import User
from tests.charity.factories import (
    activity_under,
    donate,
    make_fund,
    make_need,
    make_project,
    make_resource,
    make_source,
    pay,
    station_of,
)
from tests.volunteers.factories import make_volunteer

pytestmark = pytest.mark.django_db

ENDPOINTS = ["charity-sources", "funds", "ledger", "needs", "resources", "linkage-projects"]
SUPERMARKET_ENDPOINTS = ["in-kind-donations", "points-redemptions"]


def build_row(endpoint: str, tree, actors, area_name: str) -> int:
    """One row of the endpoint in the named area's subtree; returns its id."""
    county = getattr(tree, area_name)
    community = tree.comm_a1_urban if area_name == "county_a" else tree.comm_b1
    if endpoint == "charity-sources":
        return make_source(county).pk
    if endpoint == "funds":
        return make_fund(county).pk
    if endpoint == "ledger":
        donor = make_source(county)
        return donate(actors.superuser, make_fund(county, name="账本基金"), donor, "10").pk
    if endpoint == "needs":
        return make_need(community).pk
    if endpoint == "resources":
        return make_resource(county, "资源").pk
    if endpoint in ("in-kind-donations", "points-redemptions"):
        shop = make_source(community, name="慈善超市", kind=CharitySource.Kind.CHARITY_SUPERMARKET)
        items = [("大米", 1, Decimal("50.00"))]
        if endpoint == "in-kind-donations":
            return supermarket.in_kind_record(
                actor=actors.superuser,
                supermarket=shop,
                donor=make_source(county),
                received_on=datetime.date(2025, 5, 1),
                items=items,
            ).pk
        return supermarket.points_redeem(
            actor=actors.superuser,
            supermarket=shop,
            volunteer=make_volunteer(community, points_balance=100),
            points=50,
            redeemed_on=datetime.date(2025, 5, 1),
            items=items,
        ).pk
    return make_project(county).pk


@pytest.mark.parametrize("endpoint", [*ENDPOINTS, *SUPERMARKET_ENDPOINTS])
@pytest.mark.parametrize(
    ("_case", "actor", "visible"),
    [
        ("superuser", "superuser", {"county_a", "county_b"}),
        ("city", "city_admin", {"county_a", "county_b"}),
        ("county", "county_admin", {"county_a"}),
        ("other_county", "other_county_admin", {"county_b"}),
        ("viewer", "viewer", {"county_a", "county_b"}),
        ("no_area", "nobody", set()),
    ],
)
def test_every_endpoint_lists_and_reads_only_the_actors_subtree(
    api, tree, actors, endpoint, _case, actor, visible
):
    ids = {name: build_row(endpoint, tree, actors, name) for name in ("county_a", "county_b")}
    client = api(getattr(actors, actor))

    listed = client.get(f"/api/v1/{endpoint}/?page_size=100")
    details = {
        name: client.get(f"/api/v1/{endpoint}/{pk}/").status_code for name, pk in ids.items()
    }

    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {ids[name] for name in visible}
    assert details == {name: 200 if name in visible else 404 for name in ids}


@pytest.mark.parametrize("endpoint", [*ENDPOINTS, *SUPERMARKET_ENDPOINTS])
def test_anonymous_callers_get_nothing(api, tree, actors, endpoint):
    pk = build_row(endpoint, tree, actors, "county_a")
    assert api().get(f"/api/v1/{endpoint}/").status_code == 401
    assert api().get(f"/api/v1/{endpoint}/{pk}/").status_code == 401


@pytest.mark.parametrize(
    "endpoint", ["charity-sources", "funds", "needs", "resources", "linkage-projects"]
)
def test_another_countys_rows_cannot_be_changed_or_deleted(api, tree, actors, endpoint):
    pk = build_row(endpoint, tree, actors, "county_b")
    client = api(actors.county_admin)

    change = client.patch(f"/api/v1/{endpoint}/{pk}/", {"name": "改", "title": "改"}, format="json")
    delete = client.delete(f"/api/v1/{endpoint}/{pk}/")

    assert (change.status_code, delete.status_code) == (404, 404)
    assert build_count(endpoint) == 1


def build_count(endpoint: str) -> int:
    model = {
        "charity-sources": CharitySource,
        "funds": CharityFund,
        "needs": Need,
        "resources": Resource,
        "linkage-projects": LinkageProject,
    }[endpoint]
    return model.objects.count()


@pytest.fixture
def money(tree, actors):
    donor = make_source(tree.county_a, name="鄂尔多斯市东胜区慈善协会")
    fund = make_fund(tree.county_a)
    return donor, fund


def test_the_api_refuses_to_change_or_delete_ledger_entries(api, actors, money):
    donor, fund = money
    gift = donate(actors.county_admin, fund, donor, "500")
    client = api(actors.superuser)
    url = f"/api/v1/ledger/{gift.pk}/"

    put = client.put(url, {"amount": "5"}, format="json")
    patch = client.patch(url, {"amount": "5"}, format="json")
    delete = client.delete(url)

    assert (put.status_code, patch.status_code, delete.status_code) == (405, 405, 405)
    assert LedgerEntry.objects.get(pk=gift.pk).amount == Decimal("500.00")
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("500.00")


def test_posting_a_donation_books_it_with_a_receipt(api, tree, actors, money):
    donor, fund = money
    # A gift restricted to a purpose goes into a fund restricted to it.
    CharityFund.objects.filter(pk=fund.pk).update(is_restricted=True, restriction="助学")
    response = api(actors.county_admin).post(
        "/api/v1/ledger/",
        {
            "kind": "donation",
            "fund": fund.pk,
            "donor": donor.pk,
            "amount": "2000.00",
            "booked_on": "2025-05-04",
            "purpose": "助学",
        },
        format="json",
    )

    assert response.status_code == 201
    (entry,) = response.json()["entries"]
    assert (entry["kind"], entry["amount"], entry["receipt_number"], entry["donor_name"]) == (
        "donation",
        "2000.00",
        "150602-2025-000001",
        "鄂尔多斯市东胜区慈善协会",
    )
    assert api(actors.county_admin).get(f"/api/v1/funds/{fund.pk}/").json()["balance"] == "2000.00"


def test_posting_a_transfer_and_its_reversal(api, tree, actors, money):
    donor, fund = money
    other = make_fund(tree.comm_a2, name="宝日陶亥社区基金")
    donate(actors.county_admin, fund, donor, "500")
    client = api(actors.county_admin)

    transfer = client.post(
        "/api/v1/ledger/",
        {
            "kind": "transfer",
            "fund": fund.pk,
            "to_fund": other.pk,
            "amount": "120",
            "booked_on": "2025-05-04",
        },
        format="json",
    )
    out_leg = transfer.json()["entries"][0]
    reversal = client.post(
        "/api/v1/ledger/",
        {"kind": "reversal", "reverses": out_leg["id"], "memo": "划错"},
        format="json",
    )
    again = client.post(
        "/api/v1/ledger/",
        {"kind": "reversal", "reverses": out_leg["id"], "memo": "再来"},
        format="json",
    )

    assert transfer.status_code == 201
    assert [e["kind"] for e in transfer.json()["entries"]] == ["transfer_out", "transfer_in"]
    assert reversal.status_code == 201
    assert [e["kind"] for e in reversal.json()["entries"]] == ["reversal", "reversal"]
    assert again.status_code == 400
    assert again.json() == {"reverses": ["This entry has already been reversed."]}
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("500.00")
    assert CharityFund.objects.get(pk=other.pk).balance == Decimal("0.00")


@pytest.mark.parametrize(
    ("_case", "payload", "errors"),
    [
        (
            "overdraft",
            {
                "kind": "disbursement",
                "amount": "900",
                "target_kind": "volunteer_activity",
                "activity": "ACTIVITY",
            },
            {"amount": ["社区慈善救助基金 holds 500.00 yuan; 900.00 yuan would overdraw it."]},
        ),
        (
            "no_target",
            {"kind": "disbursement", "amount": "9", "target_kind": "need"},
            {"need": ["Name the need paid for."]},
        ),
        (
            "missing_donor",
            {"kind": "donation", "amount": "9"},
            {"donor": ["This field is required for this kind of entry."]},
        ),
        (
            "bad_amount",
            {"kind": "donation", "amount": "abc"},
            {"amount": ["A valid number is required."]},
        ),
        ("bad_kind", {"kind": "gift"}, {"kind": ['"gift" is not a valid choice.']}),
    ],
)
def test_bad_bookings_are_a_400_naming_the_field_and_write_nothing(
    api, tree, actors, money, _case, payload, errors
):
    donor, fund = money
    donate(actors.county_admin, fund, donor, "500")
    if payload.get("activity") == "ACTIVITY":
        payload = {**payload, "activity": activity_under(tree.county_a).pk}
    response = api(actors.county_admin).post(
        "/api/v1/ledger/", {"fund": fund.pk, "booked_on": "2025-05-04", **payload}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == errors
    assert LedgerEntry.objects.count() == 1
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("500.00")


def test_booking_on_another_countys_fund_reads_as_unknown(api, tree, actors):
    fund = make_fund(tree.county_b)
    donor = make_source(tree.county_a)
    response = api(actors.county_admin).post(
        "/api/v1/ledger/",
        {
            "kind": "donation",
            "fund": fund.pk,
            "donor": donor.pk,
            "amount": "9",
            "booked_on": "2025-01-02",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["fund"]
    assert LedgerEntry.objects.count() == 0


def test_viewers_cannot_book(api, actors, money):
    donor, fund = money
    response = api(actors.viewer).post(
        "/api/v1/ledger/",
        {
            "kind": "donation",
            "fund": fund.pk,
            "donor": donor.pk,
            "amount": "9",
            "booked_on": "2025-01-02",
        },
        format="json",
    )
    assert response.status_code == 403
    assert LedgerEntry.objects.count() == 0


def test_need_suggestions_endpoint(api, tree, actors):
    need = make_need(tree.comm_a1_urban)
    make_resource(tree.county_a, "东胜区居家养老服务中心", tags=["care"])
    make_resource(tree.comm_a1_urban, "巴音孟克社区志愿服务队", tags=["lone_elderly", "care"])
    make_resource(tree.comm_a1_urban, "巴音孟克社区老年协会", tags=["lone_elderly"])
    other = make_need(tree.comm_b1)

    response = api(actors.county_admin).get(f"/api/v1/needs/{need.pk}/suggestions/")
    hidden = api(actors.county_admin).get(f"/api/v1/needs/{other.pk}/suggestions/")

    assert [(row["name"], row["distance"]) for row in response.json()] == [
        ("巴音孟克社区志愿服务队", 0),
        ("东胜区居家养老服务中心", 2),
    ]
    assert hidden.status_code == 404


def test_need_suggestions_endpoint_refuses_a_closed_need(api, tree, actors):
    need = make_need(tree.comm_a1_urban, status="closed")
    make_resource(tree.comm_a1_urban, "巴音孟克社区志愿服务队", tags=["care"])

    response = api(actors.county_admin).get(f"/api/v1/needs/{need.pk}/suggestions/")

    assert response.status_code == 400
    assert response.json() == {
        "status": ["Resources are suggested for open needs only; this need is “Closed”."]
    }


def test_needs_are_created_open_and_their_status_is_not_writable(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/needs/",
        {
            "area": tree.comm_a1_rural.code,
            "title": "留守儿童课后托管",
            "group": "left_behind_children",
            "help_kind": "education",
            "people_affected": 14,
            "urgency": "high",
            "source": "visit",
            "surveyed_on": "2025-04-01",
            "status": "closed",
        },
        format="json",
    )
    assert response.status_code == 201
    assert Need.objects.get(pk=response.json()["id"]).status == "open"


def test_resources_take_and_give_tags_as_a_list(api, tree, actors):
    client = api(actors.county_admin)
    created = client.post(
        "/api/v1/resources/",
        {
            "name": "东胜区助老志愿队",
            "kind": "other",
            "area": tree.county_a.code,
            "tags": ["care", "lone_elderly"],
        },
        format="json",
    )
    filtered = client.get("/api/v1/resources/?tag=lone_elderly")

    assert created.status_code == 201
    assert created.json()["tags"] == ["care", "lone_elderly"]
    assert [row["name"] for row in filtered.json()["results"]] == ["东胜区助老志愿队"]


def test_projects_are_linked_and_moved_through_the_api(api, tree, actors):
    need = make_need(tree.comm_a1_urban)
    resource = make_resource(tree.town_a1, "交通街道爱心助餐点")
    client = api(actors.county_admin)

    created = client.post(
        "/api/v1/linkage-projects/",
        {
            "name": "银龄助餐",
            "area": tree.town_a1.code,
            "owner_kind": "station",
            "owner_station": station_of(tree.town_a1).pk,
            "needs": [need.pk],
            "resources": [resource.pk],
            "budget": "8000.00",
        },
        format="json",
    )
    pk = created.json()["id"]
    moved = client.post(
        f"/api/v1/linkage-projects/{pk}/transition/", {"status": "matched"}, format="json"
    )
    refused = client.post(
        f"/api/v1/linkage-projects/{pk}/transition/", {"status": "done"}, format="json"
    )

    assert created.status_code == 201
    assert moved.status_code == 200
    assert [(h["from_status"], h["to_status"]) for h in moved.json()["history"]] == [
        ("", "open"),
        ("open", "matched"),
    ]
    assert refused.status_code == 400
    assert refused.json() == {"status": ["A project cannot go from “Matched” to “done”."]}
    assert Need.objects.get(pk=need.pk).status == "matched"


def test_a_project_cannot_link_another_countys_need(api, tree, actors):
    need = make_need(tree.comm_b1)
    response = api(actors.county_admin).post(
        "/api/v1/linkage-projects/",
        {
            "name": "越界",
            "area": tree.county_a.code,
            "owner_kind": "station",
            "owner_station": station_of(tree.county_a).pk,
            "needs": [need.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["needs"]
    assert LinkageProject.objects.count() == 0


def test_source_id_numbers_are_masked_unless_the_actor_may_see_them(api, tree, actors):
    person = make_source(
        tree.county_a,
        name="王先生",
        kind=CharitySource.Kind.INDIVIDUAL,
        id_number="150602198001011233",
        contact_phone="13804771234",
    )
    masked = api(actors.reviewer).get(f"/api/v1/charity-sources/{person.pk}/").json()
    full = api(actors.county_admin).get(f"/api/v1/charity-sources/{person.pk}/").json()

    assert (masked["id_number"], masked["contact_phone"]) == ("1506**********1233", "138****1234")
    assert (full["id_number"], full["contact_phone"]) == ("150602198001011233", "13804771234")


@pytest.mark.parametrize(
    ("_case", "fields", "errors"),
    [
        (
            "company_without_code",
            {"kind": "company"},
            {"credit_code": ["This kind of source needs its unified social credit code."]},
        ),
        (
            "individual_with_code",
            {"kind": "individual", "credit_code": "91150602MA0009001X"},
            "credit_code",
        ),
        (
            "organisation_with_id",
            {"kind": "welfare_lottery", "id_number": "150602198001011233"},
            {"id_number": ["Only an individual has a resident ID number."]},
        ),
        (
            "bad_id",
            {"kind": "individual", "id_number": "150602198001011230"},
            {"id_number": ["The check digit of this resident ID number is wrong."]},
        ),
    ],
)
def test_source_identity_rules(api, tree, actors, _case, fields, errors):
    response = api(actors.county_admin).post(
        "/api/v1/charity-sources/",
        {"name": "某", "area": tree.county_a.code, **fields},
        format="json",
    )
    assert response.status_code == 400
    if isinstance(errors, str):
        assert list(response.json()) == [errors]
    else:
        assert response.json() == errors
    assert CharitySource.objects.count() == 0


def workbook_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_the_ledger_export_is_scoped_and_masked(api, tree, actors):
    person = make_source(
        tree.county_a,
        name="王先生",
        kind=CharitySource.Kind.INDIVIDUAL,
        id_number="150602198001011233",
    )
    fund = make_fund(tree.county_a)
    donate(actors.county_admin, fund, person, "300")
    pay(actors.county_admin, fund, "100")

    masked = workbook_rows(api(actors.reviewer).get(f"/api/v1/funds/{fund.pk}/ledger-export/"))
    hidden = api(actors.other_county_admin).get(f"/api/v1/funds/{fund.pk}/ledger-export/")

    assert [row[4:10] for row in masked] == [
        ("Kind", "In (yuan)", "Out (yuan)", "Receipt number", "Donor", "Donor ID number"),
        ("Donation", 300.0, None, "150602-2025-000001", "王先生", "1506**********1233"),
        ("Disbursement", None, 100.0, None, None, None),
    ]
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "header"),
    [("needs", "Community code"), ("resources", "Area code"), ("linkage-projects", "Area code")],
)
def test_list_exports_hold_only_the_rows_in_reach(api, tree, actors, endpoint, header):
    build_row(endpoint, tree, actors, "county_a")
    build_row(endpoint, tree, actors, "county_b")

    rows = workbook_rows(api(actors.county_admin).get(f"/api/v1/{endpoint}/export/"))

    assert rows[0][0] == header
    assert [row[0][:6] for row in rows[1:]] == ["150602"]


def _add_rows(endpoint: str, tree, actors, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        if endpoint == "ledger":
            fund = CharityFund.objects.get(name="账本基金", area=tree.county_a)
            donate(
                actors.superuser,
                fund,
                CharitySource.objects.filter(area=tree.county_a).first(),
                "1",
            )
        elif endpoint == "linkage-projects":
            project = make_project(tree.county_a, name=f"项目{number}")
            project.needs.add(make_need(tree.comm_a1_urban, title=f"需求{number}"))
            project.resources.add(make_resource(tree.county_a, f"资源{number}"))
        elif endpoint == "charity-sources":
            make_source(tree.county_a, name=f"来源{number}")
        elif endpoint == "funds":
            make_fund(tree.county_a, name=f"基金{number}")
        elif endpoint == "needs":
            make_need(tree.comm_a1_urban, title=f"需求{number}")
        else:
            make_resource(
                tree.county_a,
                f"资源{number}",
                source=make_source(tree.county_a, name=f"s{number}"),
            )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_query_count_does_not_grow_with_rows(api, tree, actors, endpoint):
    build_row(endpoint, tree, actors, "county_a")
    _add_rows(endpoint, tree, actors, 1)

    def count_queries() -> tuple[int, int]:
        client = api(User.objects.get(pk=actors.county_admin.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/{endpoint}/?page_size=100")
        return len(captured.captured_queries), response.json()["count"]

    before, rows_before = count_queries()
    _add_rows(endpoint, tree, actors, 4, start=1)
    after, rows_after = count_queries()

    assert rows_after == rows_before + 4
    assert after == before


def test_area_balance_sums_the_subtree_from_the_ledger(api, tree, actors):
    donor = make_source(tree.county_a)
    county_fund = make_fund(tree.county_a)
    community_fund = make_fund(tree.comm_a1_urban, name="巴音孟克社区基金")
    donate(actors.county_admin, county_fund, donor, "1000")
    donate(actors.county_admin, community_fund, donor, "250")
    pay(actors.county_admin, community_fund, "50")
    client = api(actors.county_admin)

    county = client.get(f"/api/v1/funds/balance/?area={tree.county_a.code}")
    township = client.get(f"/api/v1/funds/balance/?area={tree.town_a1.code}")
    other = client.get(f"/api/v1/funds/balance/?area={tree.county_b.code}")

    assert county.json() == {
        "area": "150602000000",
        "balance": "1200.00",
        "stored_balance": "1200.00",
    }
    assert township.json() == {
        "area": "150602001000",
        "balance": "200.00",
        "stored_balance": "200.00",
    }
    assert other.status_code == 404


def test_changing_a_fund_keeps_its_balance(api, tree, actors):
    fund = make_fund(tree.county_a)
    donate(actors.county_admin, fund, make_source(tree.county_a), "700")

    response = api(actors.county_admin).patch(
        f"/api/v1/funds/{fund.pk}/",
        {"name": "东胜区慈善救助基金", "balance": "1.00"},
        format="json",
    )
    moved = api(actors.county_admin).patch(
        f"/api/v1/funds/{fund.pk}/", {"area": tree.town_a1.code}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["balance"] == "700.00"
    assert moved.status_code == 400
    assert moved.json() == {"area": ["A fund with booked entries stays with its area."]}
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("700.00")


@pytest.mark.parametrize(
    ("_case", "query", "kinds"),
    [
        ("kind", "kind=disbursement", ["disbursement"]),
        ("year", "year=2024", ["donation"]),
        ("range", "booked_from=2025-03-01&booked_to=2025-03-31", ["disbursement", "donation"]),
    ],
)
def test_ledger_filters(api, tree, actors, _case, query, kinds):
    fund = make_fund(tree.county_a)
    donor = make_source(tree.county_a)
    donate(actors.county_admin, fund, donor, "100", day=datetime.date(2024, 12, 1))
    donate(actors.county_admin, fund, donor, "100")
    pay(actors.county_admin, fund, "10")

    response = api(actors.county_admin).get(f"/api/v1/ledger/?{query}")

    assert sorted(row["kind"] for row in response.json()["results"]) == kinds


@pytest.mark.parametrize("endpoint", SUPERMARKET_ENDPOINTS)
def test_supermarket_list_query_count_does_not_grow_with_rows(api, tree, actors, endpoint):
    def count_queries() -> tuple[int, int]:
        client = api(User.objects.get(pk=actors.county_admin.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/{endpoint}/?page_size=100")
        return len(captured.captured_queries), response.json()["count"]

    build_row(endpoint, tree, actors, "county_a")
    before, rows_before = count_queries()
    for _number in range(3):
        build_row(endpoint, tree, actors, "county_a")
    after, rows_after = count_queries()

    assert (rows_before, rows_after) == (1, 4)
    assert after == before


def test_a_restricted_fund_pays_through_the_api_only_with_its_restriction(api, tree, actors):
    fund = make_fund(tree.county_a, name="助学基金", is_restricted=True, restriction="助学")
    donate(actors.county_admin, fund, make_source(tree.county_a), "500")
    booking = {
        "kind": "disbursement",
        "fund": fund.pk,
        "amount": "100",
        "booked_on": "2025-05-04",
        "target_kind": "volunteer_activity",
        "activity": activity_under(tree.county_a).pk,
    }
    client = api(actors.county_admin)

    refused = client.post("/api/v1/ledger/", booking, format="json")
    refused_balance = CharityFund.objects.get(pk=fund.pk).balance
    paid = client.post("/api/v1/ledger/", {**booking, "purpose": "助学"}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "purpose": [
            "助学基金 may only pay for “助学”; give that as the purpose of the disbursement."
        ]
    }
    assert refused_balance == Decimal("500.00")
    assert paid.status_code == 201
    assert [entry["purpose"] for entry in paid.json()["entries"]] == ["助学"]
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("400.00")
