from django.core.exceptions import ValidationError

import pytest

from stations.areas import code_errors, roll_up_population
from stations.models import AdminArea, AreaPopulation
from stations.selectors import area_population
from stations.services import area_delete, area_save
from tests.factories import make_area

pytestmark = pytest.mark.django_db
Level = AdminArea.Level


@pytest.mark.parametrize(
    ("_case", "code", "level", "parent_code", "parent_level", "expected"),
    [
        ("county_under_city", "150602000000", Level.COUNTY, "150600000000", Level.CITY, 0),
        ("township_under_county", "150602001000", Level.TOWNSHIP, "150602000000", Level.COUNTY, 0),
        ("eleven_digits", "15060200100", Level.TOWNSHIP, "150602000000", Level.COUNTY, 1),
        (
            "county_code_with_township_digits",
            "150602001000",
            Level.COUNTY,
            "150600000000",
            Level.CITY,
            1,
        ),
        ("skips_a_level", "150602001001", Level.COMMUNITY, "150602000000", Level.COUNTY, 1),
        ("other_county_prefix", "150603001000", Level.TOWNSHIP, "150602000000", Level.COUNTY, 1),
        ("own_parent", "150602000000", Level.COUNTY, "150602000000", Level.CITY, 1),
        ("township_without_parent", "150602001000", Level.TOWNSHIP, None, None, 1),
        ("city_as_root", "150600000000", Level.CITY, None, None, 0),
    ],
)
def test_code_rules(_case, code, level, parent_code, parent_level, expected):
    errors = code_errors(code=code, level=level, parent_code=parent_code, parent_level=parent_level)
    assert len(errors) == expected


def test_area_save_writes_the_materialised_path(tree, actors):
    area = AdminArea(code="150602003000", name="新区", level=Level.TOWNSHIP, parent=tree.county_a)

    area_save(actor=actors.county_admin, area=area)

    stored = AdminArea.objects.get(code="150602003000")
    assert stored.path == "/150600000000/150602000000/150602003000/"


def test_a_moved_community_needs_a_code_of_its_new_township(tree, actors):
    community = tree.comm_a1_urban
    community.parent = tree.town_a2
    with pytest.raises(ValidationError) as error:
        area_save(actor=actors.county_admin, area=community)
    assert "code" in error.value.message_dict
    assert AdminArea.objects.get(pk=community.pk).parent_id == "150602001000"


def test_subtree_paths_follow_a_moved_city(tree, actors):
    province = AdminArea(code="150000000000", name="内蒙古自治区", level=Level.PROVINCE)
    area_save(actor=actors.superuser, area=province)
    city = AdminArea.objects.get(code="150600000000")
    city.parent = province

    area_save(actor=actors.superuser, area=city)

    paths = dict(AdminArea.objects.values_list("code", "path"))
    assert paths["150602001001"] == (
        "/150000000000/150600000000/150602000000/150602001000/150602001001/"
    )
    assert paths["150603000000"] == "/150000000000/150600000000/150603000000/"
    assert AdminArea.objects.filter(path__startswith="/150000000000/").count() == 11


def test_an_area_cannot_move_under_its_own_descendant(tree, actors):
    # A true cycle with codes that pass every code rule: the NBS published township 150602000001
    # (irregular, as 三岔口镇) under 东胜区 150602000000; 东胜区 as a community under it has the
    # right level and carries the township's nine digits.
    irregular = make_area("150602000001", "不规则镇", Level.TOWNSHIP, tree.county_a)
    county = AdminArea.objects.get(code="150602000000")
    county.level = Level.COMMUNITY
    county.parent = irregular
    paths_before = dict(AdminArea.objects.values_list("code", "path"))

    with pytest.raises(ValidationError) as error:
        area_save(actor=actors.superuser, area=county)

    assert error.value.message_dict == {"parent": ["An area cannot move under its own descendant."]}
    assert dict(AdminArea.objects.values_list("code", "path")) == paths_before
    assert AdminArea.objects.get(code="150602000000").parent_id == "150600000000"


def test_county_admin_cannot_create_under_another_county(tree, actors):
    area = AdminArea(
        code="150603009000", name="外区街道", level=Level.TOWNSHIP, parent=tree.county_b
    )

    with pytest.raises(ValidationError) as error:
        area_save(actor=actors.county_admin, area=area)

    assert error.value.message_dict == {"parent": ["No such area within your reach."]}
    assert not AdminArea.objects.filter(code="150603009000").exists()


def test_deleting_an_area_with_children_is_refused(tree, actors):
    with pytest.raises(ValidationError) as error:
        area_delete(actor=actors.city_admin, area=tree.town_a1)
    assert error.value.code == "area_has_children"
    assert AdminArea.objects.filter(code=tree.town_a1.code).exists()


def test_roll_up_prefers_own_figures_and_sums_children():
    figures = [
        ("/1/2/", 500),  # a county with its own figure covers its communities
        ("/1/2/3/", 100),
        ("/1/4/5/", 30),
        ("/1/4/6/", 20),
    ]
    assert roll_up_population("/1/", figures).value == 550
    assert roll_up_population("/1/", figures).source == "children"
    assert roll_up_population("/1/2/", figures[:2]).source == "own"
    assert roll_up_population("/1/", []).value is None


def test_area_population_takes_own_figure_or_the_sum_of_children(tree, django_assert_num_queries):
    for area, population in [
        (tree.comm_a1_urban, 4000),
        (tree.comm_a1_rural, 900),
        (tree.comm_a2, 3000),
        (tree.comm_b1, 5000),
        (tree.county_b, 5200),
    ]:
        AreaPopulation.objects.create(area=area, year=2025, population=population)
    AreaPopulation.objects.create(area=tree.comm_a2, year=2024, population=1)

    with django_assert_num_queries(1):
        city = area_population(area=tree.city, year=2025)

    assert (city.value, city.source) == (4000 + 900 + 3000 + 5200, "children")
    assert area_population(area=tree.county_b, year=2025).source == "own"
    assert area_population(area=tree.town_a2, year=2023).value is None
