"""The staffing check: resident staff, age on the check date, education, the qualified share, and
which area's rule applies. Hand-made cases at each boundary."""

import datetime

import pytest

from stations.models import StaffingRule, StationAssignment
from stations.rules import rules_for, staffing_checks
from tests.factories import make_area, make_station
from tests.talent.factories import make_certificate, make_id_number, make_worker

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 6, 30)
Role = StationAssignment.Role


def on_staff(
    station,
    *,
    birth=datetime.date(1990, 1, 1),
    role=Role.RESIDENT,
    name="张三",
    education="bachelor",
    major="other",
    certified=False,
    starts_on=datetime.date(2024, 1, 1),
    ends_on=None,
):
    worker = make_worker(
        station.area,
        id_number=make_id_number(birth),
        name=name,
        education=education,
        major=major,
    )
    if certified:
        make_certificate(worker, obtained_on=datetime.date(2020, 6, 21))
    StationAssignment.objects.create(
        station=station,
        area=station.area,
        worker=worker,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return worker


def check(station, on=ON):
    return staffing_checks([station], on=on)[station.pk]


def codes(result) -> list[str]:
    return [failure.code for failure in result.failures]


def test_three_young_qualified_residents_pass(tree):
    station = make_station(tree.town_a1)
    on_staff(station, name="甲", certified=True)
    on_staff(station, name="乙", major="social_work", education="college")
    on_staff(station, name="丙", role=Role.HEAD, major="related")

    result = check(station)

    assert (result.passed, result.applies, result.resident_staff, result.qualified) == (
        True,
        True,
        ["丙", "乙", "甲"],
        3,
    )


def test_two_residents_are_too_few(tree):
    station = make_station(tree.town_a1)
    on_staff(station, certified=True)
    on_staff(station, certified=True)

    result = check(station)

    assert codes(result) == ["too_few_staff"]
    assert result.failures[0].message == "2 resident staff; the rule asks for at least 3."


def test_supervisors_and_assignments_not_running_on_the_date_do_not_count(tree):
    station = make_station(tree.town_a1)
    on_staff(station, certified=True)
    on_staff(station, certified=True)
    on_staff(station, role=Role.SUPERVISOR, certified=True)
    on_staff(station, certified=True, ends_on=ON - datetime.timedelta(days=1))
    on_staff(station, certified=True, starts_on=ON + datetime.timedelta(days=1))
    on_staff(station, certified=True, starts_on=ON, ends_on=ON)  # the last day counts

    assert check(station).resident_staff == ["张三", "张三", "张三"]


@pytest.mark.parametrize(
    ("_case", "birth", "failures"),
    [
        ("40 on the check date", datetime.date(1985, 6, 30), []),
        ("41 on the check date", datetime.date(1984, 6, 30), ["over_age"]),
        ("41 the day after", datetime.date(1984, 7, 1), []),
        ("41 the day before", datetime.date(1984, 6, 29), ["over_age"]),
    ],
)
def test_age_is_counted_in_full_years_on_the_check_date(tree, _case, birth, failures):
    station = make_station(tree.town_a1)
    on_staff(station, certified=True)
    on_staff(station, certified=True)
    on_staff(station, certified=True, name="老李", birth=birth)

    result = check(station)

    assert codes(result) == failures
    if failures:
        assert result.failures[0].people == ("老李 (41)",)
        assert result.failures[0].message == "Older than 40 on 2025-06-30: 老李 (41)."


def test_education_below_college_fails_and_names_the_person(tree):
    station = make_station(tree.town_a1)
    on_staff(station, certified=True)
    on_staff(station, certified=True)
    on_staff(station, certified=True, name="小王", education="below_college")

    result = check(station)

    assert codes(result) == ["below_education"]
    assert result.failures[0].people == ("小王",)


@pytest.mark.parametrize(
    ("_case", "staff", "qualified", "passed"),
    [
        ("2 of 3: exactly two thirds", 3, 2, True),
        ("1 of 3", 3, 1, False),
        ("4 of 6: exactly two thirds", 6, 4, True),
        ("3 of 5: just under", 5, 3, False),
        ("4 of 5", 5, 4, True),
        ("5 of 8: just under", 8, 5, False),
        ("6 of 9: exactly two thirds", 9, 6, True),
    ],
)
def test_at_least_two_thirds_hold_a_social_work_qualification(
    tree, _case, staff, qualified, passed
):
    station = make_station(tree.town_a1)
    for number in range(staff):
        on_staff(station, name=f"员工{number}", certified=number < qualified)

    result = check(station)

    assert (result.passed, result.qualified) == (passed, qualified)
    assert codes(result) == ([] if passed else ["too_few_qualified"])


def test_a_certificate_obtained_after_the_check_date_does_not_count_yet(tree):
    station = make_station(tree.town_a1)
    on_staff(station, certified=True)
    on_staff(station, certified=True)
    late = on_staff(station, name="新考")
    make_certificate(late, obtained_on=ON + datetime.timedelta(days=1))
    on_staff(station, name="未证")

    result = check(station)

    assert codes(result) == ["too_few_qualified"]
    assert result.failures[0].people == ("新考", "未证")
    assert result.failures[0].message == (
        "2 of 4 resident staff qualified; the rule asks for at least 2/3. Not qualified: 新考, 未证."
    )


def test_all_failures_are_reported_together(tree):
    station = make_station(tree.town_a1)
    on_staff(station, name="老张", birth=datetime.date(1970, 1, 1), education="below_college")

    assert codes(check(station)) == [
        "too_few_staff",
        "over_age",
        "below_education",
        "too_few_qualified",
    ]


def test_the_rule_applies_to_township_stations_only(tree):
    room = make_station(tree.comm_a1_urban)
    result = check(room)
    assert (result.applies, result.passed) == (False, False)


def test_the_most_specific_rule_up_the_tree_applies(tree):
    stations = [make_station(tree.town_a1), make_station(tree.town_a2), make_station(tree.town_b1)]
    StaffingRule.objects.create(area=tree.city, min_resident_staff=2)
    StaffingRule.objects.create(area=tree.county_a, min_resident_staff=4)
    StaffingRule.objects.create(area=tree.town_a1, min_resident_staff=5)

    found = rules_for(stations)

    assert [found[station.pk].min_resident_staff for station in stations] == [5, 4, 2]


def test_without_any_rule_the_jinan_defaults_apply(tree):
    station = make_station(tree.town_a1)
    rule = rules_for([station])[station.pk]
    assert (
        rule.area_id,
        rule.min_resident_staff,
        rule.max_age,
        rule.min_education,
        rule.qualified_numerator,
        rule.qualified_denominator,
        rule.min_community_hours_per_week,
        rule.min_service_cases,
        rule.min_supervision_hours,
    ) == (None, 3, 40, "college", 2, 3, 24, 10, 60)


def test_a_county_rule_can_count_beijing_professional_staff(tree):
    StaffingRule.objects.create(
        area=tree.county_a, qualification=StaffingRule.Qualification.PROFESSIONAL, max_age=45
    )
    station = make_station(tree.town_a1)
    on_staff(station, name="本科社工", major="social_work", education="bachelor")
    on_staff(station, name="大专社工", major="social_work", education="college")
    on_staff(station, name="助理", certified=True, birth=datetime.date(1982, 1, 1))

    result = check(station)

    # The college graduate is not professional staff; the assistant certificate (2020) is 5 years old.
    assert result.qualified == 2
    assert result.passed is True


def test_checking_many_stations_takes_the_same_queries_as_one(tree, django_assert_num_queries):
    first = make_station(tree.town_a1)
    on_staff(first, certified=True)
    StaffingRule.objects.create(area=tree.county_a)
    with django_assert_num_queries(3):
        staffing_checks([first], on=ON)

    others = []
    for number in range(3, 9):
        town = make_area(f"15060200{number}000", f"街道{number}", 3, tree.county_a)
        station = make_station(town)
        on_staff(station, certified=True)
        on_staff(station)
        others.append(station)
    stations = [first, *others]
    with django_assert_num_queries(3):
        results = staffing_checks(stations, on=ON)

    assert [len(results[station.pk].resident_staff) for station in stations] == [
        1,
        2,
        2,
        2,
        2,
        2,
        2,
    ]
