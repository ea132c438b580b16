"""Service hours, corrections and the points ledger: only verified hours count, history is kept."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

import pytest

from tests.volunteers.factories import (
    make_activity,
    make_record,
    make_team,
    make_volunteer,
    valid_id_number,
)
from volunteers import selectors, services
from volunteers.models import (
    PointsEntry,
    PointsRule,
    ServiceRecord,
    ServiceRecordCorrection,
    Team,
    TeamMembership,
    Volunteer,
)

pytestmark = pytest.mark.django_db

YEAR_2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def ledger(volunteer) -> list[tuple[str, int, int]]:
    return list(
        PointsEntry.objects.filter(volunteer=volunteer)
        .order_by("pk")
        .values_list("kind", "amount", "balance_after")
    )


def balance(volunteer) -> int:
    return Volunteer.objects.get(pk=volunteer.pk).points_balance


# --- volunteers ----------------------------------------------------------------------------------


def test_volunteer_save_normalises_and_sorts_skills(tree, actors):
    volunteer = Volunteer(
        name="李四",
        id_number=" " + valid_id_number(7).lower() + " ",
        area=tree.comm_a1_urban,
        skills=["medical", "elderly_care", "medical"],
        joined_on=datetime.date(2024, 5, 1),
    )

    services.volunteer_save(actor=actors.county_admin, volunteer=volunteer)

    stored = Volunteer.objects.get(pk=volunteer.pk)
    assert (stored.id_number, stored.skills) == (valid_id_number(7), ["elderly_care", "medical"])


@pytest.mark.parametrize(
    ("_case", "changes", "field"),
    [
        ("bad_checksum", {"id_number": "150602199001010010"}, "id_number"),
        ("unknown_skill", {"skills": ["flying"]}, "skills"),
        ("bad_phone", {"phone": "12345"}, "phone"),
        ("township_not_community", {"area": "town_a1"}, "area"),
        ("other_county", {"area": "comm_b1"}, "area"),
    ],
)
def test_volunteer_save_refuses_bad_values(tree, actors, _case, changes, field):
    values = {
        "name": "李四",
        "id_number": valid_id_number(8),
        "area": tree.comm_a1_urban,
        "joined_on": datetime.date(2024, 5, 1),
        **changes,
    }
    if isinstance(values["area"], str):
        values["area"] = getattr(tree, values["area"])

    with pytest.raises(ValidationError) as error:
        services.volunteer_save(actor=actors.county_admin, volunteer=Volunteer(**values))

    assert list(error.value.message_dict) == [field]
    assert Volunteer.objects.count() == 0


def test_same_person_in_reach_is_named_by_its_record(tree, actors):
    existing = make_volunteer(tree.comm_a2)
    again = Volunteer(
        name="张三明",
        id_number=existing.id_number,
        area=tree.comm_a1_urban,
        joined_on=datetime.date(2024, 1, 1),
    )

    with pytest.raises(ValidationError) as error:
        services.volunteer_save(actor=actors.county_admin, volunteer=again)

    assert error.value.message_dict == {
        "id_number": [
            f"This person is already registered (volunteer {existing.pk}); change that record "
            "instead."
        ]
    }
    assert Volunteer.objects.count() == 1


def test_same_person_in_another_county_names_only_the_bureau(tree, actors):
    existing = make_volunteer(tree.comm_b1, name="王五")
    again = Volunteer(
        name="王五",
        id_number=existing.id_number,
        area=tree.comm_a1_urban,
        joined_on=datetime.date(2024, 1, 1),
    )

    with pytest.raises(ValidationError) as error:
        services.volunteer_save(actor=actors.county_admin, volunteer=again)

    assert error.value.message_dict == {
        "id_number": [
            "This person is registered as a volunteer in another area; ask 康巴什区's "
            "civil-affairs bureau to transfer them."
        ]
    }
    assert Volunteer.objects.get().area == tree.comm_b1


def test_transfer_hands_the_volunteer_to_another_county(tree, actors):
    volunteer = make_volunteer(tree.comm_b1)

    services.volunteer_transfer(actor=actors.city_admin, volunteer=volunteer, area=tree.comm_a2)

    assert Volunteer.objects.get(pk=volunteer.pk).area == tree.comm_a2


def test_team_leader_becomes_a_member(tree, actors):
    leader = make_volunteer(tree.comm_a2)
    team = Team(name="红马甲", area=tree.comm_a2, sponsor_kind="party_org", leader=leader)

    services.team_save(actor=actors.county_admin, team=team)

    assert list(TeamMembership.objects.values_list("team__name", "volunteer")) == [
        ("红马甲", leader.pk)
    ]


def test_team_member_out_of_reach_is_refused(tree, actors):
    team = make_team(tree.comm_a2)
    stranger = make_volunteer(tree.comm_b1)

    with pytest.raises(ValidationError) as error:
        services.team_member_add(actor=actors.county_admin, team=team, volunteer=stranger)

    assert error.value.message_dict == {"volunteer": ["No such volunteer within your reach."]}
    assert TeamMembership.objects.count() == 0


# --- service records -----------------------------------------------------------------------------


@pytest.mark.parametrize(("_case", "hours"), [("zero", "0"), ("negative", "-1"), ("over", "24.5")])
def test_record_hours_must_lie_between_0_and_24(tree, actors, _case, hours):
    volunteer = make_volunteer(tree.comm_a2)
    activity = make_activity(tree.comm_a2)

    with pytest.raises(ValidationError) as error:
        services.record_create(
            actor=actors.county_admin,
            record=ServiceRecord(volunteer=volunteer, activity=activity, hours=Decimal(hours)),
        )

    assert list(error.value.message_dict) == ["hours"]
    assert ServiceRecord.objects.count() == 0


def test_record_of_a_future_activity_is_refused(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    activity = make_activity(tree.comm_a2, when=timezone.now() + datetime.timedelta(days=2))

    with pytest.raises(ValidationError) as error:
        services.record_create(
            actor=actors.county_admin,
            record=ServiceRecord(volunteer=volunteer, activity=activity, hours=Decimal(2)),
        )

    assert error.value.message_dict == {"activity": ["The activity has not taken place yet."]}
    assert ServiceRecord.objects.count() == 0


def test_record_is_recorded_by_the_actor_and_starts_unverified(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    activity = make_activity(tree.comm_a2)

    record = services.record_create(
        actor=actors.county_admin,
        record=ServiceRecord(volunteer=volunteer, activity=activity, hours=Decimal("3.5")),
    )

    stored = ServiceRecord.objects.get(pk=record.pk)
    assert (stored.recorded_by, stored.is_verified) == (actors.county_admin, False)
    assert ledger(volunteer) == []


def test_only_verified_hours_count_in_sums(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    make_record(volunteer, make_activity(tree.comm_a2, title="一"), "2.5", verified=True)
    make_record(volunteer, make_activity(tree.comm_a2, title="二"), "4", verified=False)

    total = selectors.volunteer_verified_hours(
        volunteer=volunteer, start=YEAR_2025[0], end=YEAR_2025[1]
    )

    assert total == Decimal("2.5")


# --- points --------------------------------------------------------------------------------------


def test_verifying_earns_points_at_the_default_rate(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2.5")

    services.record_verify(actor=actors.county_admin, record=record)

    assert ledger(volunteer) == [("earn", 25, 25)]
    assert balance(volunteer) == 25
    stored = ServiceRecord.objects.get(pk=record.pk)
    assert (stored.is_verified, stored.verified_by) == (True, actors.county_admin)


def test_the_nearest_points_rule_wins(tree, actors):
    PointsRule.objects.create(area=tree.city, points_per_hour=Decimal(8))
    PointsRule.objects.create(area=tree.county_a, points_per_hour=Decimal(12))
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "1.5")
    other = make_record(volunteer, make_activity(tree.comm_b1, title="康城"), "1")

    services.record_verify(actor=actors.city_admin, record=record)
    services.record_verify(actor=actors.city_admin, record=other)

    assert ledger(volunteer) == [("earn", 18, 18), ("earn", 8, 26)]


def test_unverifying_reverses_the_points_with_an_entry(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)

    services.record_unverify(actor=actors.county_admin, record=record, reason="重复登记")

    assert ledger(volunteer) == [("earn", 20, 20), ("reverse", -20, 0)]
    assert balance(volunteer) == 0
    assert ServiceRecord.objects.get(pk=record.pk).is_verified is False
    assert list(ServiceRecordCorrection.objects.order_by("pk").values_list("kind", "reason")) == [
        ("verify", ""),
        ("unverify", "重复登记"),
    ]


def test_unverifying_needs_a_reason(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)

    with pytest.raises(ValidationError) as error:
        services.record_unverify(actor=actors.county_admin, record=record, reason=" ")

    assert error.value.message_dict == {"reason": ["Say why the record changes."]}
    assert ServiceRecord.objects.get(pk=record.pk).is_verified is True
    assert ledger(volunteer) == [("earn", 20, 20)]


def spend(actors, volunteer, points: int) -> None:
    services.points_spend(
        actor=actors.county_admin, volunteer=volunteer, points=points, reason="慈善超市兑换"
    )


def test_unverifying_spent_points_reverses_the_balance_and_keeps_the_shortfall(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)
    spend(actors, volunteer, 15)

    services.record_unverify(actor=actors.county_admin, record=record, reason="误录")

    assert ledger(volunteer) == [("earn", 20, 20), ("spend", -15, 5), ("reverse", -5, 0)]
    assert PointsEntry.objects.get(kind="reverse").reason == (
        "误录 (15 points not reversed: the balance was 5; they are taken from the next points earned)"
    )
    assert ServiceRecord.objects.get(pk=record.pk).is_verified is False
    assert ServiceRecordCorrection.objects.filter(kind="unverify").count() == 1
    assert (
        selectors.volunteer_verified_hours(
            volunteer=volunteer, start=YEAR_2025[0], end=YEAR_2025[1]
        )
        == 0
    )


def test_the_shortfall_of_an_unverified_record_is_taken_from_the_next_earnings(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    wrong = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=wrong)
    spend(actors, volunteer, 20)
    services.record_unverify(actor=actors.county_admin, record=wrong, reason="误录")
    later = make_record(volunteer, make_activity(tree.comm_a2, title="环境整治"), "3")

    services.record_verify(actor=actors.county_admin, record=later)

    assert ledger(volunteer) == [
        ("earn", 20, 20),
        ("spend", -20, 0),
        ("earn", 30, 30),
        ("reverse", -20, 10),
    ]
    assert PointsEntry.objects.filter(service_record=wrong).aggregate(n=Sum("amount")) == {"n": 0}
    assert balance(volunteer) == 10


def test_reverifying_a_record_with_a_shortfall_earns_only_the_difference(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)
    spend(actors, volunteer, 15)
    services.record_unverify(actor=actors.county_admin, record=record, reason="误录")

    services.record_verify(actor=actors.county_admin, record=record, reason="核实无误")

    assert ledger(volunteer) == [
        ("earn", 20, 20),
        ("spend", -15, 5),
        ("reverse", -5, 0),
        ("earn", 5, 5),
    ]
    assert PointsEntry.objects.filter(service_record=record).aggregate(n=Sum("amount")) == {"n": 20}


def test_spending_points_lowers_the_balance(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    services.record_verify(
        actor=actors.county_admin, record=make_record(volunteer, make_activity(tree.comm_a2), "3")
    )

    entry = services.points_spend(
        actor=actors.county_admin,
        volunteer=volunteer,
        points=12,
        reason="慈善超市兑换大米",
        reference="CS-2025-0001",
    )

    assert (entry.kind, entry.amount, entry.balance_after, entry.reference) == (
        "spend",
        -12,
        18,
        "CS-2025-0001",
    )
    assert balance(volunteer) == 18


def test_overdraft_is_refused_and_writes_nothing(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    services.record_verify(
        actor=actors.county_admin, record=make_record(volunteer, make_activity(tree.comm_a2), "1")
    )

    with pytest.raises(ValidationError) as error:
        services.points_spend(
            actor=actors.county_admin, volunteer=volunteer, points=11, reason="兑换"
        )

    assert error.value.message_dict == {
        "points": ["Not enough points: the balance is 10, 11 are needed."]
    }
    assert error.value.error_dict["points"][0].code == "insufficient_points"
    assert ledger(volunteer) == [("earn", 10, 10)]
    assert balance(volunteer) == 10


@pytest.mark.parametrize(("_case", "points"), [("zero", 0), ("negative", -5), ("bool", True)])
def test_spending_needs_a_positive_whole_number(tree, actors, _case, points):
    volunteer = make_volunteer(tree.comm_a2)

    with pytest.raises(ValidationError) as error:
        services.points_spend(
            actor=actors.county_admin, volunteer=volunteer, points=points, reason="x"
        )

    assert list(error.value.message_dict) == ["points"]
    assert PointsEntry.objects.count() == 0


def test_spending_for_a_volunteer_out_of_reach_is_refused(tree, actors):
    volunteer = make_volunteer(tree.comm_b1)
    Volunteer.objects.filter(pk=volunteer.pk).update(points_balance=100)

    with pytest.raises(ValidationError) as error:
        services.points_spend(actor=actors.county_admin, volunteer=volunteer, points=5, reason="x")

    assert error.value.message_dict == {"volunteer": ["No such volunteer within your reach."]}
    assert PointsEntry.objects.count() == 0


# --- corrections ---------------------------------------------------------------------------------


def test_correcting_hours_keeps_the_old_figure_and_moves_the_points(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)

    services.record_correct_hours(
        actor=actors.county_admin, record=record, hours=Decimal("3.5"), reason="签到表核对"
    )

    assert ServiceRecord.objects.get(pk=record.pk).hours == Decimal("3.5")
    assert list(
        ServiceRecordCorrection.objects.filter(record=record)
        .order_by("pk")
        .values_list("kind", "old_hours", "new_hours", "reason", "changed_by")
    ) == [
        ("verify", Decimal(2), Decimal(2), "", actors.county_admin.pk),
        ("hours", Decimal(2), Decimal("3.5"), "签到表核对", actors.county_admin.pk),
    ]
    assert ledger(volunteer) == [("earn", 20, 20), ("earn", 15, 35)]
    assert PointsEntry.objects.get(amount=15).reason == "2.00 → 3.5 hours at 敬老院义诊: 签到表核对"


def test_correcting_hours_upwards_after_spending_earns_the_difference(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)
    spend(actors, volunteer, 15)

    services.record_correct_hours(
        actor=actors.county_admin, record=record, hours=Decimal("3.5"), reason="签到表核对"
    )

    assert ServiceRecord.objects.get(pk=record.pk).hours == Decimal("3.5")
    assert ledger(volunteer) == [("earn", 20, 20), ("spend", -15, 5), ("earn", 15, 20)]


def test_correcting_hours_downwards_reverses_the_difference(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "3")
    services.record_verify(actor=actors.county_admin, record=record)
    spend(actors, volunteer, 25)

    services.record_correct_hours(
        actor=actors.county_admin, record=record, hours=Decimal("2.5"), reason="早退"
    )

    assert ledger(volunteer) == [("earn", 30, 30), ("spend", -25, 5), ("reverse", -5, 0)]


def test_a_decrease_that_would_overdraw_is_refused_and_writes_nothing(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "3")
    services.record_verify(actor=actors.county_admin, record=record)
    spend(actors, volunteer, 25)

    with pytest.raises(ValidationError) as error:
        services.record_correct_hours(
            actor=actors.county_admin, record=record, hours=Decimal(2), reason="早退"
        )

    assert error.value.message_dict == {
        "points": ["Not enough points: the balance is 5, 10 are needed."]
    }
    assert ServiceRecord.objects.get(pk=record.pk).hours == Decimal(3)
    assert ServiceRecordCorrection.objects.filter(kind="hours").count() == 0
    assert ledger(volunteer) == [("earn", 30, 30), ("spend", -25, 5)]


def test_correcting_an_unverified_record_moves_no_points(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")

    services.record_correct_hours(
        actor=actors.county_admin, record=record, hours=Decimal(1), reason="更正"
    )

    assert ServiceRecord.objects.get(pk=record.pk).hours == Decimal(1)
    assert ledger(volunteer) == []
    assert ServiceRecordCorrection.objects.get().kind == "hours"


def test_a_record_once_verified_cannot_be_deleted(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)
    services.record_unverify(actor=actors.county_admin, record=record, reason="误录")

    with pytest.raises(ValidationError) as error:
        services.record_delete(actor=actors.county_admin, record=record)

    assert error.value.messages == [
        "This record has been verified before; withdraw the verification instead."
    ]
    assert ServiceRecord.objects.filter(pk=record.pk).exists()


def test_verifying_twice_is_refused(tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    record = make_record(volunteer, make_activity(tree.comm_a2), "2")
    services.record_verify(actor=actors.county_admin, record=record)

    with pytest.raises(ValidationError) as error:
        services.record_verify(actor=actors.county_admin, record=record)

    assert error.value.messages == ["The record is already verified."]
    assert ledger(volunteer) == [("earn", 20, 20)]


def test_records_of_another_county_cannot_be_verified(tree, actors):
    volunteer = make_volunteer(tree.comm_b1)
    record = make_record(volunteer, make_activity(tree.comm_b1), "2")

    with pytest.raises(ValidationError) as error:
        services.record_verify(actor=actors.county_admin, record=record)

    assert error.value.message_dict == {"record": ["No such record within your reach."]}
    assert ServiceRecord.objects.get(pk=record.pk).is_verified is False


def test_changing_a_membership_to_a_volunteer_out_of_reach_is_refused(tree, actors):
    team = make_team(tree.comm_a2)
    member = make_volunteer(tree.comm_a2)
    membership = TeamMembership.objects.create(
        team=team, volunteer=member, joined_on=datetime.date(2024, 1, 1)
    )
    membership.volunteer = make_volunteer(tree.comm_b1, name="外县人")

    with pytest.raises(ValidationError) as error:
        services.team_membership_change(actor=actors.county_admin, membership=membership)

    assert error.value.message_dict == {"volunteer": ["No such volunteer within your reach."]}
    assert TeamMembership.objects.get(pk=membership.pk).volunteer_id == member.pk


def test_the_leaders_membership_keeps_its_volunteer(tree, actors):
    leader = make_volunteer(tree.comm_a2)
    team = make_team(tree.comm_a2, leader=leader)
    membership = TeamMembership.objects.create(
        team=team, volunteer=leader, joined_on=datetime.date(2024, 1, 1)
    )
    membership.volunteer = make_volunteer(tree.comm_a2, name="新人")

    with pytest.raises(ValidationError) as error:
        services.team_membership_change(actor=actors.county_admin, membership=membership)

    assert error.value.message_dict == {
        "volunteer": ["Name another leader before removing this volunteer."]
    }
    assert TeamMembership.objects.get(pk=membership.pk).volunteer_id == leader.pk
