"""Importing organisations: labels in Chinese or English, defaults, the matching key (credit code
for registered organisations, community and name for filed ones), and files that write nothing."""

import datetime
import io
from pathlib import Path

from django.core.management import CommandError, call_command

import pytest
from openpyxl import Workbook, load_workbook

from orgs.imports import org_import
from orgs.models import CommunityOrg
from stations.tabular import ImportRejected
from tests.orgs.factories import make_federation, make_incubator, make_org, org_credit_code

pytestmark = pytest.mark.django_db

CODE_1 = org_credit_code(901)
CODE_2 = org_credit_code(902)
HEADER = "name,type,community_code,standing,credit_code,founded,leader,members"
GOOD = "\n".join(
    [
        f"{HEADER},phone,served_groups",
        f"巴音孟克社区夕阳红志愿服务队,志愿服务类,150602001001,依法登记,{CODE_1},2020-05-01,王秀英,36,13812345678,老年人、残疾人",
        "巴音孟克社区邻里互助会,mutual_aid,150602001001,filed,,2021/3/15,李建国,20,,elderly",
        "添尔漫梁村红白理事会,社区治理类,150602001201,备案,,2022年7月1日,张桂兰,,,",
    ]
)


def write(tmp_path: Path, text: str, name: str = "orgs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def snapshot() -> list[tuple]:
    return list(CommunityOrg.objects.order_by("pk").values_list())


def test_a_good_file_creates_organisations_with_defaults(tmp_path, tree):
    result = org_import(write(tmp_path, GOOD))

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    registered = CommunityOrg.objects.get(credit_code=CODE_1)
    assert (
        registered.org_type,
        registered.standing,
        registered.registration_authority,
        registered.registered_on,
        registered.filing_body,
        registered.member_count,
        registered.contact_phone,
    ) == (
        "volunteer",
        "registered",
        "东胜区民政局",
        datetime.date(2020, 5, 1),
        None,
        36,
        "13812345678",
    )
    assert sorted(registered.served_groups.values_list("code", flat=True)) == [
        "disabled",
        "elderly",
    ]
    filed = CommunityOrg.objects.get(name="添尔漫梁村红白理事会")
    assert (filed.org_type, filed.standing, filed.filing_body, filed.founded_on) == (
        "governance",
        "filed",
        tree.comm_a1_rural,
        datetime.date(2022, 7, 1),
    )
    assert (filed.member_count, filed.status, filed.party_organisation) == (None, "active", "none")


def test_importing_the_same_file_again_changes_nothing(tmp_path, tree):
    org_import(write(tmp_path, GOOD))
    before = snapshot()

    result = org_import(write(tmp_path, GOOD))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_a_registered_row_matches_by_credit_code_even_when_renamed(tmp_path, tree):
    org_import(write(tmp_path, GOOD))
    renamed = GOOD.replace("巴音孟克社区夕阳红志愿服务队", "巴音孟克社区银龄志愿服务队")

    result = org_import(write(tmp_path, renamed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert CommunityOrg.objects.count() == 3
    assert CommunityOrg.objects.get(credit_code=CODE_1).name == "巴音孟克社区银龄志愿服务队"


def test_a_filed_organisation_that_registers_is_matched_by_community_and_name(tmp_path, tree):
    filed = make_org(tree.comm_a1_urban, "巴音孟克社区邻里互助会")
    text = f"{HEADER}\n巴音孟克社区邻里互助会,居民互助类,150602001001,依法登记,{CODE_2},2019-01-01,李建国,20"

    result = org_import(write(tmp_path, text))

    assert (result.created, result.updated) == (0, 1)
    stored = CommunityOrg.objects.get()
    assert (stored.pk, stored.standing, stored.credit_code, stored.registered_on) == (
        filed.pk,
        "registered",
        CODE_2,
        datetime.date(2019, 1, 1),
    )


def test_the_filing_body_may_be_the_township(tmp_path, tree):
    text = f"{HEADER},filing_body_code,filed_on,status,party_organisation,brand_year\n"
    text += "交通街道文体协会,生活服务类,150602001001,备案,,2018-01-01,,,150602001000,2018-02-01,休眠,联合党支部,2023"

    org_import(write(tmp_path, text))

    org = CommunityOrg.objects.get()
    assert (org.filing_body, org.filed_on, org.status, org.party_organisation, org.brand_year) == (
        tree.town_a1,
        datetime.date(2018, 2, 1),
        "dormant",
        "joint_branch",
        2023,
    )


def test_an_xlsx_file_is_read(tmp_path, tree):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "宝日陶亥社区助残服务队",
            "公益慈善类",
            "150602002001",
            "依法登记",
            CODE_1,
            datetime.date(2017, 9, 9),
            "刘丽娟",
            12,
        ]
    )
    path = tmp_path / "orgs.xlsx"
    workbook.save(path)

    result = org_import(path)

    assert result.created == 1
    assert CommunityOrg.objects.get().founded_on == datetime.date(2017, 9, 9)


BAD_FILES = [
    (
        "missing_column",
        "name,type,community_code,standing,credit_code,founded,leader\n甲,other,150602001001,filed,,,",
        [
            "The header row does not match (missing columns: members). Expected columns: "
            "name, type, community_code, standing, credit_code, founded, leader, members, phone, "
            "status, served_groups, authority, registered_on, filing_body_code, filed_on, "
            "party_organisation, brand_year, community_name."
        ],
    ),
    (
        "unknown_type",
        f"{HEADER}\n甲,文艺类,150602001001,备案,,,,",
        [
            "Row 2, column type: “文艺类” is not one of: charity, governance, life_service, "
            "mutual_aid, other, volunteer."
        ],
    ),
    (
        "unknown_community",
        f"{HEADER}\n甲,other,150602009999,备案,,,,",
        ["Row 2, column community_code: No community with code “150602009999” within your reach."],
    ),
    (
        "township_as_community",
        f"{HEADER}\n甲,other,150602001000,备案,,,,",
        ["Row 2, column community_code: No community with code “150602001000” within your reach."],
    ),
    (
        "wrong_check_character",
        f"{HEADER}\n甲,other,150602001001,依法登记,{CODE_1[:17]}{'0' if CODE_1[17] != '0' else '1'},2020-01-01,,",
        [
            "Row 2, column credit_code: The check character of this unified social credit code "
            "is wrong."
        ],
    ),
    (
        "registered_without_code_or_date",
        f"{HEADER}\n甲,other,150602001001,依法登记,,,,",
        [
            "Row 2, column credit_code: A registered organisation needs its credit code.",
            "Row 2, column registered_on: A registered organisation needs its registration date.",
        ],
    ),
    (
        "filed_with_a_code",
        f"{HEADER}\n甲,other,150602001001,备案,{CODE_1},,,",
        [
            "Row 2, column credit_code: A filed organisation has no credit code; an organisation "
            "with one is registered."
        ],
    ),
    (
        "filing_body_of_another_township",
        f"{HEADER},filing_body_code\n甲,other,150602001001,备案,,,,,150602002000",
        [
            "Row 2, column filing_body_code: The filing body must be the organisation's community "
            "or its township."
        ],
    ),
    (
        "bad_date_and_members",
        f"{HEADER}\n甲,other,150602001001,备案,,2020-02-30,,十二",
        [
            "Row 2, column founded: “2020-02-30” is not a date like 2023-05-01.",
            "Row 2, column members: “十二” is not a whole number.",
        ],
    ),
    (
        "unknown_standing",
        f"{HEADER}\n甲,other,150602001001,挂靠,,,,",
        ["Row 2, column standing: “挂靠” is not one of: filed, registered."],
    ),
    (
        "unknown_served_group",
        f"{HEADER},served_groups\n甲,other,150602001001,备案,,,,,老年人、宠物",
        ["Row 2, column served_groups: Unknown group “宠物”."],
    ),
    (
        "same_row_twice",
        f"{HEADER}\n甲,other,150602001001,备案,,,,\n甲,charity,150602001001,备案,,,,",
        [
            "Row 3, column name: This organisation appears again in the same community "
            "(first on row 2)."
        ],
    ),
    (
        "same_code_twice",
        f"{HEADER}\n甲,other,150602001001,依法登记,{CODE_1},2020-01-01,,\n"
        f"乙,other,150602002001,依法登记,{CODE_1},2020-01-01,,",
        [f"Row 3, column credit_code: Credit code {CODE_1} appears again (first on row 2)."],
    ),
    (
        "founded_in_the_future",
        f"{HEADER}\n甲,other,150602001001,备案,,2999-01-01,,",
        ["Row 2, column founded: The founding date is in the future."],
    ),
]


@pytest.mark.parametrize(("_case", "text", "messages"), BAD_FILES)
def test_a_bad_file_writes_nothing(tmp_path, tree, _case, text, messages):
    make_org(tree.comm_a1_urban, "已有组织")
    before = snapshot()

    with pytest.raises(ImportRejected) as raised:
        org_import(write(tmp_path, text + "\n" + "好组织,other,150602002001,备案,,,,"))

    assert raised.value.messages() == messages
    assert snapshot() == before


def test_one_bad_row_among_good_ones_writes_nothing(tmp_path, tree):
    text = GOOD + "\n坏组织,other,150699001001,备案,,,,"

    with pytest.raises(ImportRejected) as raised:
        org_import(write(tmp_path, text))

    assert raised.value.messages() == [
        "Row 5, column community_code: No community with code “150699001001” within your reach."
    ]
    assert CommunityOrg.objects.count() == 0


def test_an_actor_imports_only_into_its_county(tmp_path, tree, actors):
    text = f"{HEADER}\n越界组织,other,150603001001,备案,,,,"

    with pytest.raises(ImportRejected) as raised:
        org_import(write(tmp_path, text), actor=actors.county_admin)

    assert raised.value.messages() == [
        "Row 2, column community_code: No community with code “150603001001” within your reach."
    ]
    assert CommunityOrg.objects.count() == 0


def test_a_credit_code_of_another_countys_organisation_is_refused(tmp_path, tree, actors):
    make_org(tree.comm_b1, "康城社区组织", registered=True, credit_code=CODE_1)
    text = f"{HEADER}\n抢注,other,150602001001,依法登记,{CODE_1},2020-01-01,,"

    with pytest.raises(ImportRejected) as raised:
        org_import(write(tmp_path, text), actor=actors.county_admin)

    assert raised.value.messages() == [
        "Row 2, column credit_code: This credit code belongs to an organisation outside your reach."
    ]
    assert CommunityOrg.objects.get().name == "康城社区组织"


def test_an_account_without_area_cannot_import(tmp_path, tree, actors):
    with pytest.raises(ImportRejected) as raised:
        org_import(write(tmp_path, GOOD), actor=actors.nobody)

    assert raised.value.messages() == ["Your account has no area; it cannot import."]
    assert CommunityOrg.objects.count() == 0


# The command and the admin -----------------------------------------------------------------------


def test_the_import_records_command(tmp_path, tree):
    out = io.StringIO()

    call_command("import_records", "orgs", str(write(tmp_path, GOOD)), stdout=out)

    assert out.getvalue().startswith(
        "3 rows read: 3 organisations created, 0 updated, 0 unchanged."
    )
    assert CommunityOrg.objects.count() == 3


def test_the_import_records_command_rejects_a_bad_file(tmp_path, tree):
    err = io.StringIO()
    bad = f"{HEADER}\n甲,文艺类,150602001001,备案,,,,"

    with pytest.raises(CommandError) as raised:
        call_command("import_records", "orgs", str(write(tmp_path, bad)), stderr=err)

    assert str(raised.value) == "1 problem(s) found; nothing was imported."
    assert "Row 2, column type" in err.getvalue()
    assert CommunityOrg.objects.count() == 0


def test_the_admin_import_page(client, tmp_path, tree, actors):
    client.force_login(actors.county_admin)
    upload = io.BytesIO(GOOD.encode("gb18030"))
    upload.name = "组织.csv"

    response = client.post("/admin/orgs/communityorg/import/", {"file": upload}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "3 rows read: 3 organisations created, 0 updated, 0 unchanged."
    ]
    assert CommunityOrg.objects.count() == 3


def test_the_admin_import_page_lists_the_problems(client, tree, actors):
    client.force_login(actors.county_admin)
    upload = io.BytesIO(f"{HEADER}\n甲,other,150603001001,备案,,,,\n".encode())
    upload.name = "orgs.csv"

    response = client.post("/admin/orgs/communityorg/import/", {"file": upload})

    assert response.context["errors"] == [
        "Row 2, column community_code: No community with code “150603001001” within your reach."
    ]
    assert CommunityOrg.objects.count() == 0


def test_an_export_imports_again_unchanged_even_with_masked_phones(client, tree, actors):
    org_import(io.BytesIO(GOOD.encode()), name="orgs.csv")
    before = snapshot()
    client.force_login(actors.reviewer)

    exported = client.post(
        "/admin/orgs/communityorg/",
        {
            "action": "export_xlsx",
            "_selected_action": list(CommunityOrg.objects.values_list("pk", flat=True)),
        },
    )
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    result = org_import(io.BytesIO(exported.content), name="export.xlsx")

    phone = rows[0].index("phone")
    assert sorted(row[phone] for row in rows[1:] if row[phone]) == ["138****5678"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_the_api_export_masks_phones_for_a_reviewer(api, tree, actors):
    org_import(io.BytesIO(GOOD.encode()), name="orgs.csv")

    for_reviewer = api(actors.reviewer).get("/api/v1/orgs/export/?standing=registered")
    for_admin = api(actors.county_admin).get("/api/v1/orgs/export/?standing=registered")

    def phones(response):
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        return [row[rows[0].index("phone")] for row in rows[1:]]

    assert (phones(for_reviewer), phones(for_admin)) == (["138****5678"], ["13812345678"])


# Moving an organisation: the file has no federation or incubation-centre column ------------------


@pytest.fixture
def linked(tree):
    """A registered organisation of 巴音孟克社区 (交通街道), in 交通街道's federation and centre."""
    return make_org(
        tree.comm_a1_urban,
        "巴音孟克社区书画协会",
        registered=True,
        federation=make_federation(tree.town_a1),
        incubator=make_incubator(tree.town_a1),
    )


def move_row(org, community_code: str) -> str:
    return f"{HEADER}\n{org.name},生活服务类,{community_code},依法登记,{org.credit_code},,,"


def links(org) -> tuple:
    return (
        CommunityOrg.objects.filter(pk=org.pk)
        .values_list("community__code", "federation__name", "incubator__area__code")
        .get()
    )


def test_a_move_to_another_township_unlinks_and_says_so(tree, linked):
    result = org_import(io.BytesIO(move_row(linked, "150602002001").encode()), name="orgs.csv")

    assert (result.updated, result.links_cleared) == (1, 1)
    assert str(result) == (
        "1 rows read: 0 organisations created, 1 updated, 0 unchanged. 1 organisations were "
        "unlinked from a federation or incubation centre that does not cover their community."
    )
    assert links(linked) == ("150602002001", None, None)


def test_a_county_centre_still_covers_a_move_within_the_county(tree, linked):
    linked.incubator = make_incubator(tree.county_a)
    linked.save()

    result = org_import(io.BytesIO(move_row(linked, "150602002001").encode()), name="orgs.csv")

    assert (result.updated, result.links_cleared) == (1, 1)
    assert links(linked) == ("150602002001", None, "150602000000")


def test_a_move_within_the_township_keeps_the_links(tree, linked):
    result = org_import(io.BytesIO(move_row(linked, "150602001201").encode()), name="orgs.csv")

    assert (result.updated, result.links_cleared) == (1, 0)
    assert str(result) == "1 rows read: 0 organisations created, 1 updated, 0 unchanged."
    assert links(linked) == ("150602001201", "交通街道联合会", "150602001000")


def test_a_rejected_file_keeps_the_links_of_a_moving_row(tree, linked):
    before = snapshot()
    text = move_row(linked, "150602002001") + "\n乙,其他,150602002001,备案,,不是日期,,"

    with pytest.raises(ImportRejected) as rejected:
        org_import(io.BytesIO(text.encode()), name="orgs.csv")

    assert rejected.value.messages() == [
        "Row 3, column founded: “不是日期” is not a date like 2023-05-01."
    ]
    assert snapshot() == before


def test_the_admin_import_page_reports_the_unlinked_organisations(client, tree, actors, linked):
    client.force_login(actors.county_admin)
    upload = io.BytesIO(move_row(linked, "150602002001").encode())
    upload.name = "orgs.csv"

    response = client.post("/admin/orgs/communityorg/import/", {"file": upload}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "1 rows read: 0 organisations created, 1 updated, 0 unchanged. 1 organisations were "
        "unlinked from a federation or incubation centre that does not cover their community."
    ]
    assert links(linked) == ("150602002001", None, None)
