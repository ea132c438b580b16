"""The Ordos demo: real divisions, plausible populations and one account per level and role.

Deterministic: the same run gives the same data, and running it again changes nothing.
"""

import random
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction

from projects.models import Contractor
from stations.imports import area_import
from stations.models import AdminArea, AreaPopulation, User
from stations.roles import Role
from stations.validators import credit_code_check_character

ORDOS_FILE = Path(__file__).parent / "data" / "ordos-150600.csv"
DEMO_PASSWORD = "Wushe@2026demo"  # noqa: S105 (printed demo login)
DEMO_YEARS = (2024, 2025)
CITY_CODE = "150600000000"
COUNTY_CODE = "150602000000"  # 东胜区
TOWNSHIP_CODE = "150602001000"  # 交通街道
# 伊金霍洛旗 publishes its own county figure; the other counties are summed from communities.
COUNTY_WITH_OWN_FIGURE = ("150627000000", 2025, 247_000)

DEMO_USERS = [
    # username, last name, first name, area code, role, is_superuser
    ("admin", "管理员", "系统", None, None, True),
    ("ordos_admin", "王", "市民政局", CITY_CODE, Role.ADMINISTRATOR, False),
    ("ordos_viewer", "李", "市领导", CITY_CODE, Role.VIEWER, False),
    ("dongsheng_admin", "张", "东胜区民政局", COUNTY_CODE, Role.ADMINISTRATOR, False),
    ("dongsheng_reviewer", "刘", "东胜区审核", COUNTY_CODE, Role.REVIEWER, False),
    ("jiaotong_admin", "陈", "交通街道", TOWNSHIP_CODE, Role.ADMINISTRATOR, False),
    ("sunshine_contractor", "赵", "阳光社工", COUNTY_CODE, Role.CONTRACTOR, False),
]


def demo_credit_code(serial: int) -> str:
    """A checksum-valid unified social credit code for demo organisations (not a real one).

    52 = civil affairs, private non-enterprise unit; 150602 = 东胜区; then a 9-character serial.
    """
    first17 = f"52150602MJ{serial:07d}"
    return first17 + credit_code_check_character(first17)


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Loads areas, populations and demo accounts; returns (username, password, description)."""
    area_import(ORDOS_FILE)
    rng = random.Random(150600)  # noqa: S311 (demo data, not security)
    communities = AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY).order_by("code")
    figures = []
    for community in communities:
        base = (
            rng.randint(1800, 7500)
            if community.urban_rural == AdminArea.UrbanRural.URBAN
            else rng.randint(350, 2300)
        )
        for offset, year in enumerate(DEMO_YEARS):
            figures.append(
                AreaPopulation(
                    area=community,
                    year=year,
                    population=int(base * (1 + 0.01 * offset)),
                    source="演示数据 demo",
                )
            )
    county_code, year, population = COUNTY_WITH_OWN_FIGURE
    figures.append(
        AreaPopulation(
            area=AdminArea.objects.get(code=county_code),
            year=year,
            population=population,
            source="旗统计公报 demo",
        )
    )
    AreaPopulation.objects.bulk_create(
        figures,
        update_conflicts=True,
        unique_fields=["area", "year"],
        update_fields=["population", "source"],
    )

    contractor, _created = Contractor.objects.update_or_create(
        credit_code=demo_credit_code(1),
        defaults={
            "name": "鄂尔多斯市东胜区阳光社会工作服务中心",
            "kind": Contractor.Kind.SOCIAL_ORGANISATION,
            "area": AdminArea.objects.get(code=COUNTY_CODE),
            "contact_person": "赵阳光",
            "contact_phone": "0477-8500001",
        },
    )
    accounts = []
    for username, last_name, first_name, area_code, role, is_superuser in DEMO_USERS:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "last_name": last_name,
                "first_name": first_name,
                "admin_area": AdminArea.objects.get(code=area_code) if area_code else None,
                "contractor": contractor if role == Role.CONTRACTOR else None,
                "is_superuser": is_superuser,
                # Contractors use the portal, not the admin.
                "is_staff": role != Role.CONTRACTOR,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name=role) if role else [])
        where = user.admin_area.name if user.admin_area else "全部 everything"
        accounts.append((username, DEMO_PASSWORD, f"{role or 'superuser'} @ {where}"))
    return accounts
