"""The charity admin: scoped lists and pages, an add-only ledger, the reversal action."""

import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from openpyxl import load_workbook

from charity.models import (
    CharityFund,
    CharitySource,
    InKindDonation,
    LedgerEntry,
    Need,
    Resource,
)
from stations.models import User
from tests.charity.factories import (
    activity_under,
    donate,
    make_fund,
    make_need,
    make_project,
    make_resource,
    make_source,
)

pytestmark = pytest.mark.django_db

MODELS = ["charitysource", "charityfund", "ledgerentry", "need", "resource", "linkageproject"]


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.force_login(user)
        return client

    return login


@pytest.fixture
def rows(tree, actors):
    """One row of every model in each county."""
    made = {}
    for name, county, community in [
        ("a", tree.county_a, tree.comm_a1_urban),
        ("b", tree.county_b, tree.comm_b1),
    ]:
        source = make_source(county)
        fund = make_fund(county)
        made[name] = {
            "charitysource": source.pk,
            "charityfund": fund.pk,
            "ledgerentry": donate(actors.superuser, fund, source, "100").pk,
            "need": make_need(community).pk,
            "resource": make_resource(county, "资源").pk,
            "linkageproject": make_project(county).pk,
        }
    return made


@pytest.mark.parametrize("model", MODELS)
def test_changelists_show_only_the_county(admin_client_for, actors, rows, model):
    response = admin_client_for(actors.county_admin).get(f"/admin/charity/{model}/")
    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [rows["a"][model]]


@pytest.mark.parametrize("model", MODELS)
def test_another_countys_pages_are_not_found(admin_client_for, actors, rows, model):
    response = admin_client_for(actors.county_admin).get(
        f"/admin/charity/{model}/{rows['b'][model]}/change/"
    )
    assert response.status_code == 404


def test_ledger_entries_have_no_change_or_delete(admin_client_for, actors, rows):
    client = admin_client_for(actors.county_admin)
    pk = rows["a"]["ledgerentry"]

    view = client.get(f"/admin/charity/ledgerentry/{pk}/change/")
    change = client.post(f"/admin/charity/ledgerentry/{pk}/change/", {"memo": "改"})
    delete = client.post(f"/admin/charity/ledgerentry/{pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/charity/ledgerentry/",
        {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
    )

    assert view.status_code == 200
    assert view.context["has_change_permission"] is False
    assert (change.status_code, delete.status_code) == (403, 403)
    assert bulk.status_code == 302  # no such action: back to the list, nothing done
    assert LedgerEntry.objects.get(pk=pk).memo == ""
    assert LedgerEntry.objects.count() == 2


def booking(fund, **fields):
    return {
        "booking": "donation",
        "fund": fund.pk,
        "amount": "300.00",
        "booked_on": "2025-06-01",
        **fields,
    }


def test_the_add_form_books_a_donation(admin_client_for, tree, actors):
    fund = make_fund(tree.county_a)
    donor = make_source(tree.county_a)

    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/ledgerentry/add/", booking(fund, donor=donor.pk)
    )

    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.receipt_number, entry.booked_by) == (
        "donation",
        Decimal("300.00"),
        "150602-2025-000001",
        actors.county_admin,
    )
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("300.00")


def test_the_add_form_shows_the_services_refusal_and_books_nothing(admin_client_for, tree, actors):
    fund = make_fund(tree.county_a)
    donor = make_source(tree.county_a)
    donate(actors.county_admin, fund, donor, "100")

    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/ledgerentry/add/",
        booking(
            fund,
            booking="disbursement",
            target_kind="volunteer_activity",
            activity=activity_under(tree.county_a).pk,
        ),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "amount": ["社区慈善救助基金 holds 100.00 yuan; 300.00 yuan would overdraw it."]
    }
    assert LedgerEntry.objects.count() == 1
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("100.00")


def test_the_add_form_offers_only_funds_in_reach(admin_client_for, tree, actors):
    make_fund(tree.county_a, name="东胜区基金")
    make_fund(tree.county_b, name="康巴什区基金")
    response = admin_client_for(actors.county_admin).get("/admin/charity/ledgerentry/add/")
    choices = [str(fund) for fund in response.context["adminform"].form.fields["fund"].queryset]
    assert choices == ["东胜区基金"]


def test_the_reverse_action_reverses_with_the_reason(admin_client_for, tree, actors):
    fund = make_fund(tree.county_a)
    gift = donate(actors.county_admin, fund, make_source(tree.county_a), "100")
    client = admin_client_for(actors.county_admin)

    without_reason = client.post(
        "/admin/charity/ledgerentry/", {"action": "reverse_entries", "_selected_action": [gift.pk]}
    )
    with_reason = client.post(
        "/admin/charity/ledgerentry/",
        {"action": "reverse_entries", "_selected_action": [gift.pk], "reason": "重复录入"},
    )

    assert (without_reason.status_code, with_reason.status_code) == (302, 302)
    reversal = LedgerEntry.objects.get(reverses=gift)
    assert (reversal.memo, reversal.direction) == ("重复录入", "out")
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("0.00")


def test_the_reverse_action_is_not_offered_to_viewers(admin_client_for, tree, actors):
    fund = make_fund(tree.county_a)
    gift = donate(actors.county_admin, fund, make_source(tree.county_a), "100")
    response = admin_client_for(actors.viewer).post(
        "/admin/charity/ledgerentry/",
        {"action": "reverse_entries", "_selected_action": [gift.pk], "reason": "x"},
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.count() == 1


def test_source_pages_mask_personal_data_for_reviewers(admin_client_for, tree, actors):
    person = make_source(
        tree.county_a,
        name="王先生",
        kind=CharitySource.Kind.INDIVIDUAL,
        id_number="150602198001011233",
    )
    listed = admin_client_for(actors.reviewer).get("/admin/charity/charitysource/")
    page = admin_client_for(actors.reviewer).get(
        f"/admin/charity/charitysource/{person.pk}/change/"
    )

    assert "1506**********1233" in listed.content.decode()
    assert "150602198001011233" not in listed.content.decode()
    assert "150602198001011233" not in page.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client_for, tree, actors, model):
    def add_rows(start):
        for number in range(start, start + 3):
            source = make_source(tree.county_a, name=f"来源{number}")
            fund = make_fund(tree.county_a, name=f"基金{number}")
            donate(actors.superuser, fund, source, "5")
            need = make_need(tree.comm_a1_urban, title=f"需求{number}")
            make_resource(tree.county_a, f"资源{number}", source=source)
            make_project(tree.county_a, name=f"项目{number}").needs.add(need)

    def count() -> int:
        client = admin_client_for(User.objects.get(pk=actors.county_admin.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/admin/charity/{model}/")
        assert response.status_code == 200
        return len(captured.captured_queries)

    add_rows(0)
    before = count()
    add_rows(3)
    after = count()

    assert Need.objects.count() == 6
    assert after == before


def test_a_service_refusal_shows_on_the_form_and_saves_nothing(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/need/add/",
        {
            "area": tree.town_a1.pk,
            "title": "街道层面的需求",
            "group": "lone_elderly",
            "help_kind": "care",
            "people_affected": 5,
            "urgency": "medium",
            "source": "survey",
            "surveyed_on": "2025-03-01",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "area": ["A need is surveyed in a community or village."]
    }
    assert Need.objects.count() == 0


def test_a_need_is_added_through_the_admin(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/need/add/",
        {
            "area": tree.comm_a1_urban.pk,
            "title": "独居老人助餐",
            "group": "lone_elderly",
            "help_kind": "care",
            "people_affected": 5,
            "urgency": "medium",
            "source": "survey",
            "surveyed_on": "2025-03-01",
        },
    )
    assert response.status_code == 302
    assert Need.objects.get().area == tree.comm_a1_urban


@pytest.mark.parametrize("model", ["inkinddonation", "pointsredemption"])
def test_supermarket_pages_open(admin_client_for, actors, model):
    listed = admin_client_for(actors.county_admin).get(f"/admin/charity/{model}/")
    add = admin_client_for(actors.county_admin).get(f"/admin/charity/{model}/add/")
    assert listed.status_code == 200
    assert add.status_code == (200 if model == "inkinddonation" else 403)


def test_in_kind_goods_are_added_with_their_items(admin_client_for, tree, actors):
    shop = make_source(
        tree.comm_a1_urban, name="巴音孟克社区慈善超市", kind=CharitySource.Kind.CHARITY_SUPERMARKET
    )
    company = make_source(tree.county_a, name="伊泰集团", kind=CharitySource.Kind.COMPANY)

    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/inkinddonation/add/",
        {
            "supermarket": shop.pk,
            "donor": company.pk,
            "received_on": "2025-01-10",
            "note": "春节物资",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-description": "棉被",
            "items-0-quantity": "20",
            "items-0-value": "3000.00",
        },
    )

    assert response.status_code == 302
    donation = InKindDonation.objects.get()
    assert (donation.area, donation.recorded_by) == (tree.comm_a1_urban, actors.county_admin)
    assert list(donation.items.values_list("description", "quantity", "value")) == [
        ("棉被", 20, Decimal("3000.00"))
    ]


def test_in_kind_goods_without_items_are_refused_and_nothing_is_saved(
    admin_client_for, tree, actors
):
    shop = make_source(
        tree.comm_a1_urban, name="巴音孟克社区慈善超市", kind=CharitySource.Kind.CHARITY_SUPERMARKET
    )
    company = make_source(tree.county_a, name="伊泰集团", kind=CharitySource.Kind.COMPANY)

    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/inkinddonation/add/",
        {
            "supermarket": shop.pk,
            "donor": company.pk,
            "received_on": "2025-01-10",
            "note": "春节物资",
            "items-TOTAL_FORMS": "3",
            "items-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    (items,) = response.context["inline_admin_formsets"]
    assert items.formset.non_form_errors() == ["List at least one item."]
    assert InKindDonation.objects.count() == 0


def workbook_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_fund_ledger_export_leaves_out_another_countys_entries(
    admin_client_for, tree, actors, rows
):
    # given both counties' funds selected, the other county's by a forged pk
    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/charityfund/",
        {
            "action": "export_ledger",
            "_selected_action": [rows["a"]["charityfund"], rows["b"]["charityfund"]],
        },
    )

    exported = workbook_rows(response)
    assert exported[0][:8] == (
        "Entry",
        "Date",
        "Fund",
        "Area code",
        "Kind",
        "In (yuan)",
        "Out (yuan)",
        "Receipt number",
    )
    assert [row[:8] for row in exported[1:]] == [
        (
            rows["a"]["ledgerentry"],
            exported[1][1],
            "社区慈善救助基金",
            tree.county_a.code,
            "Donation",
            100.0,
            None,
            "150602-2025-000001",
        )
    ]
    assert exported[1][1].date().isoformat() == "2025-03-01"


@pytest.mark.parametrize(
    ("model", "header", "area"),
    [
        ("need", "Community code", "comm_a1_urban"),
        ("resource", "Area code", "county_a"),
        ("linkageproject", "Area code", "county_a"),
    ],
)
def test_list_exports_leave_out_another_countys_rows(
    admin_client_for, tree, actors, rows, model, header, area
):
    response = admin_client_for(actors.county_admin).post(
        f"/admin/charity/{model}/",
        {
            "action": "export_xlsx",
            "select_across": "1",
            "_selected_action": [rows["a"][model], rows["b"][model]],
        },
    )

    exported = workbook_rows(response)
    assert exported[0][0] == header
    assert [row[0] for row in exported[1:]] == [getattr(tree, area).code]


def test_unknown_resource_tags_show_on_the_form_and_save_nothing(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/resource/add/",
        {
            "name": "东胜区助老志愿队",
            "kind": "other",
            "area": tree.county_a.pk,
            "tag_text": "care, elderly",
            "is_available": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "tag_text": [
            "Unknown tags: elderly. Tags are the codes of the kinds of help given and of the "
            "groups served."
        ]
    }
    assert Resource.objects.count() == 0


def test_a_resource_with_a_link_not_of_its_kind_shows_on_the_form(admin_client_for, tree, actors):
    fund = make_fund(tree.county_a)
    company = make_source(tree.county_a, name="伊泰集团", kind=CharitySource.Kind.COMPANY)

    response = admin_client_for(actors.county_admin).post(
        "/admin/charity/resource/add/",
        {
            "name": "伊泰集团冬衣捐赠",
            "kind": "in_kind",
            "area": tree.county_a.pk,
            "source": company.pk,
            "fund": fund.pk,
            "tag_text": "material_aid",
            "is_available": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "fund": ["A resource of the kind “In-kind offer” does not name a fund."]
    }
    assert Resource.objects.count() == 0
