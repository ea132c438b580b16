"""Charity supermarkets: volunteer points spent on goods, and goods given in kind."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from charity.models import CharitySource, InKindDonation, InKindItem, PointsRedemption
from charity.services import supermarket
from tests.charity.factories import make_source
from tests.volunteers.factories import make_volunteer
from volunteers.models import PointsEntry, Volunteer

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 9, 1)


@pytest.fixture
def shop(tree):
    return make_source(
        tree.comm_a1_urban, name="巴音孟克社区慈善超市", kind=CharitySource.Kind.CHARITY_SUPERMARKET
    )


def test_points_are_spent_through_the_volunteers_ledger_and_recorded_with_items(tree, actors, shop):
    volunteer = make_volunteer(tree.comm_a1_urban, points_balance=120)

    redemption = supermarket.points_redeem(
        actor=actors.county_admin,
        supermarket=shop,
        volunteer=volunteer,
        points=80,
        redeemed_on=DAY,
        items=[("大米 10kg", 1, Decimal("55.00")), ("食用油 5L", 1, Decimal("25.00"))],
    )

    assert redemption.reference == f"CS{shop.pk:05d}-20250901-0001"
    assert Volunteer.objects.get(pk=volunteer.pk).points_balance == 40
    spent = PointsEntry.objects.get(volunteer=volunteer)
    assert (spent.kind, spent.amount, spent.reference) == ("spend", -80, redemption.reference)
    assert list(redemption.items.values_list("description", "quantity", "value")) == [
        ("大米 10kg", 1, Decimal("55.00")),
        ("食用油 5L", 1, Decimal("25.00")),
    ]


def test_too_few_points_records_nothing(tree, actors, shop):
    volunteer = make_volunteer(tree.comm_a1_urban, points_balance=10)

    with pytest.raises(ValidationError) as refused:
        supermarket.points_redeem(
            actor=actors.county_admin,
            supermarket=shop,
            volunteer=volunteer,
            points=80,
            redeemed_on=DAY,
            items=[("大米 10kg", 1, Decimal("55.00"))],
        )

    assert list(refused.value.message_dict) == ["points"]
    assert PointsRedemption.objects.count() == 0
    assert Volunteer.objects.get(pk=volunteer.pk).points_balance == 10


def test_only_a_supermarket_takes_points(tree, actors):
    company = make_source(tree.county_a, name="伊泰集团", kind=CharitySource.Kind.COMPANY)
    volunteer = make_volunteer(tree.comm_a1_urban, points_balance=100)

    with pytest.raises(ValidationError) as refused:
        supermarket.points_redeem(
            actor=actors.county_admin,
            supermarket=company,
            volunteer=volunteer,
            points=10,
            redeemed_on=DAY,
            items=[("毛巾", 2, Decimal("10.00"))],
        )

    assert refused.value.message_dict == {
        "supermarket": ["This source is not a charity supermarket."]
    }
    assert Volunteer.objects.get(pk=volunteer.pk).points_balance == 100


def test_in_kind_goods_are_recorded_with_items_all_or_nothing(tree, actors, shop):
    company = make_source(tree.county_a, name="伊泰集团", kind=CharitySource.Kind.COMPANY)

    donation = supermarket.in_kind_record(
        actor=actors.county_admin,
        supermarket=shop,
        donor=company,
        received_on=DAY,
        items=[("棉被", 20, Decimal("3000.00"))],
    )
    with pytest.raises(ValidationError) as refused:
        supermarket.in_kind_record(
            actor=actors.county_admin,
            supermarket=shop,
            donor=company,
            received_on=DAY,
            items=[("棉衣", 5, Decimal("500.00")), ("", 0, Decimal("1"))],
        )

    assert donation.area == tree.comm_a1_urban
    assert refused.value.message_dict == {
        "items": ["Item 2 needs a description, a quantity of at least 1 and a value of 0 or more."]
    }
    assert InKindDonation.objects.count() == 1
    assert list(InKindItem.objects.values_list("description", flat=True)) == ["棉被"]


def test_redemptions_through_the_api_are_scoped(api, tree, actors, shop):
    volunteer = make_volunteer(tree.comm_a1_urban, points_balance=50)
    payload = {
        "supermarket": shop.pk,
        "volunteer": volunteer.pk,
        "points": 30,
        "redeemed_on": "2025-09-01",
        "items": [{"description": "洗衣液", "quantity": 2, "value": "30.00"}],
    }

    refused = api(actors.other_county_admin).post(
        "/api/v1/points-redemptions/", payload, format="json"
    )
    created = api(actors.county_admin).post("/api/v1/points-redemptions/", payload, format="json")
    hidden = api(actors.other_county_admin).get(
        f"/api/v1/points-redemptions/{created.json()['id']}/"
    )

    assert refused.status_code == 400
    assert set(refused.json()) == {"supermarket", "volunteer"}
    assert created.status_code == 201
    assert created.json()["items"] == [{"description": "洗衣液", "quantity": 2, "value": "30.00"}]
    assert hidden.status_code == 404
    assert Volunteer.objects.get(pk=volunteer.pk).points_balance == 20
