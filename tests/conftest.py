"""The shared area tree, one actor per level and role, and API clients."""

from types import SimpleNamespace

from django.core.cache import cache
from django.test import Client
from django.utils import translation

import pytest
from rest_framework.test import APIClient

from stations.models import AdminArea
from stations.roles import Role
from tests.browser_support import browser, page, screenshot  # noqa: F401 (fixtures for every folder)
from tests.factories import ContractorFactory, make_area, make_user

Level = AdminArea.Level
# Communities as an NBS import leaves them: the classification comes with its code.
URBAN = {"urban_rural": "urban", "urban_rural_code": "111", "urban_rural_source": "nbs"}
RURAL = {"urban_rural": "rural", "urban_rural_code": "220", "urban_rural_source": "nbs"}


@pytest.fixture(autouse=True)
def _english_messages():
    # Tests compare the English msgids; tests of the Chinese interface switch explicitly.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttling and lock-outs live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tree(db):
    """鄂尔多斯市 > 东胜区 (A: two townships, three communities) and 康巴什区 (B: one of each)."""
    city = make_area("150600000000", "鄂尔多斯市", Level.CITY)
    county_a = make_area("150602000000", "东胜区", Level.COUNTY, city)
    town_a1 = make_area("150602001000", "交通街道", Level.TOWNSHIP, county_a)
    comm_a1_urban = make_area("150602001001", "巴音孟克社区", Level.COMMUNITY, town_a1, **URBAN)
    comm_a1_rural = make_area("150602001201", "添尔漫梁村", Level.COMMUNITY, town_a1, **RURAL)
    town_a2 = make_area("150602002000", "公园街道", Level.TOWNSHIP, county_a)
    comm_a2 = make_area("150602002001", "宝日陶亥社区", Level.COMMUNITY, town_a2, **URBAN)
    county_b = make_area("150603000000", "康巴什区", Level.COUNTY, city)
    town_b1 = make_area("150603001000", "哈巴格希街道", Level.TOWNSHIP, county_b)
    comm_b1 = make_area("150603001001", "康城社区", Level.COMMUNITY, town_b1, **URBAN)
    return SimpleNamespace(
        city=city,
        county_a=county_a,
        town_a1=town_a1,
        comm_a1_urban=comm_a1_urban,
        comm_a1_rural=comm_a1_rural,
        town_a2=town_a2,
        comm_a2=comm_a2,
        county_b=county_b,
        town_b1=town_b1,
        comm_b1=comm_b1,
    )


@pytest.fixture
def actors(tree):
    """One account per level and role; `nobody` is an administrator without an area."""
    contractor = ContractorFactory(area=tree.county_a)
    return SimpleNamespace(
        superuser=make_user("root", is_superuser=True),
        city_admin=make_user("city_admin", area=tree.city, role=Role.ADMINISTRATOR),
        county_admin=make_user("county_a_admin", area=tree.county_a, role=Role.ADMINISTRATOR),
        other_county_admin=make_user("county_b_admin", area=tree.county_b, role=Role.ADMINISTRATOR),
        township_admin=make_user("town_a1_admin", area=tree.town_a1, role=Role.ADMINISTRATOR),
        reviewer=make_user("county_a_reviewer", area=tree.county_a, role=Role.REVIEWER),
        viewer=make_user("city_viewer", area=tree.city, role=Role.VIEWER),
        contractor=_contractor_user(tree, contractor),
        nobody=make_user("no_area_admin", role=Role.ADMINISTRATOR),
        contractor_org=contractor,
    )


def _contractor_user(tree, contractor):
    user = make_user("contractor_a", area=tree.county_a, role=Role.CONTRACTOR)
    user.contractor = contractor
    user.is_staff = False
    user.save()
    return user


@pytest.fixture
def client():
    """Django's test client, asking for English (the msgids the tests compare).

    The interface is Chinese by default; tests of that build their own `Client()` or send
    `HTTP_ACCEPT_LANGUAGE="zh-hans"`.
    """
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def api():
    """api(user) gives a client authenticated as `user` (None: anonymous)."""

    def client_for(user=None) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return client_for


@pytest.fixture
def forget_long_lists():
    """The API's memo of lists found too long to count (`stations.api_policies`), empty before
    and after the test."""
    from stations import api_policies

    api_policies._long_lists.clear()
    yield
    api_policies._long_lists.clear()
