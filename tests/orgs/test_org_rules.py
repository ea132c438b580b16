"""The rules of an organisation (standing, credit code, filing body, relations) on every path:
the service, the API and the admin (the import has its own tests in test_imports.py)."""

import datetime
import io

from django.core.exceptions import ValidationError

import pytest

from orgs import services
from orgs.imports import org_import
from orgs.models import CommunityOrg, ServedGroup
from stations.tabular import ImportRejected
from stations.validators import credit_code_check_character, validate_credit_code
from tests.orgs.factories import make_federation, make_incubator, make_org, org_credit_code

pytestmark = pytest.mark.django_db

VALID_CODE = org_credit_code(42)
WRONG_CHECK = VALID_CODE[:17] + ("0" if VALID_CODE[17] != "0" else "1")
REGISTERED_MESSAGES = {
    "credit_code": ["A registered organisation needs its credit code."],
    "registration_authority": ["A registered organisation needs its registering authority."],
    "registered_on": ["A registered organisation needs its registration date."],
}
FILING_BODY_MESSAGE = "A filed organisation needs the community or township it is filed with."


def registered(tree, **fields) -> CommunityOrg:
    values = {
        "name": "巴音孟克社区夕阳红志愿服务队",
        "org_type": CommunityOrg.Type.VOLUNTEER,
        "community": tree.comm_a1_urban,
        "standing": CommunityOrg.Standing.REGISTERED,
        "credit_code": VALID_CODE,
        "registration_authority": "东胜区民政局",
        "registered_on": datetime.date(2021, 3, 1),
    }
    values.update(fields)
    return CommunityOrg(**values)


def filed(tree, **fields) -> CommunityOrg:
    values = {
        "name": "巴音孟克社区邻里互助会",
        "org_type": CommunityOrg.Type.MUTUAL_AID,
        "community": tree.comm_a1_urban,
        "standing": CommunityOrg.Standing.FILED,
        "filing_body": tree.comm_a1_urban,
    }
    values.update(fields)
    return CommunityOrg(**values)


# Service -----------------------------------------------------------------------------------------


def test_a_registered_organisation_needs_code_authority_and_date(tree, actors):
    org = registered(tree, credit_code="", registration_authority="", registered_on=None)

    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=org)

    assert raised.value.message_dict == REGISTERED_MESSAGES
    assert CommunityOrg.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "code", "message"),
    [
        ("too_short", VALID_CODE[:17], "A unified social credit code has 18 characters."),
        (
            "letter_o",
            "O" + VALID_CODE[1:],
            "A unified social credit code uses digits and capital letters except I, O, Z, S, V.",
        ),
        (
            "check_character",
            WRONG_CHECK,
            "The check character of this unified social credit code is wrong.",
        ),
    ],
)
def test_a_bad_credit_code_is_refused_by_the_model(tree, actors, _case, code, message):
    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=registered(tree, credit_code=code))

    assert raised.value.message_dict == {"credit_code": [message]}
    assert CommunityOrg.objects.count() == 0


def test_a_registered_organisation_with_everything_is_saved(tree, actors):
    groups = list(ServedGroup.objects.filter(code__in=["elderly", "disabled"]))

    org = services.org_save(actor=actors.county_admin, org=registered(tree), served_groups=groups)

    stored = CommunityOrg.objects.get(pk=org.pk)
    assert (stored.standing, stored.credit_code, stored.status) == (
        "registered",
        VALID_CODE,
        "active",
    )
    assert sorted(stored.served_groups.values_list("code", flat=True)) == ["disabled", "elderly"]


def test_a_filed_organisation_needs_its_filing_body(tree, actors):
    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=filed(tree, filing_body=None))

    assert raised.value.message_dict == {"filing_body": [FILING_BODY_MESSAGE]}
    assert CommunityOrg.objects.count() == 0


def test_a_filed_organisation_has_no_credit_code(tree, actors):
    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=filed(tree, credit_code=VALID_CODE))

    assert raised.value.message_dict == {
        "credit_code": [
            "A filed organisation has no credit code; an organisation with one is registered."
        ]
    }


@pytest.mark.parametrize(
    ("_case", "body", "accepted"),
    [
        ("own_community", "comm_a1_urban", True),
        ("own_township", "town_a1", True),
        ("neighbour_community", "comm_a1_rural", False),
        ("other_township", "town_a2", False),
        ("county", "county_a", False),
    ],
)
def test_the_filing_body_is_the_community_or_its_township(tree, actors, _case, body, accepted):
    org = filed(tree, filing_body=getattr(tree, body))

    if accepted:
        services.org_save(actor=actors.county_admin, org=org)
        assert CommunityOrg.objects.get().filing_body == getattr(tree, body)
    else:
        with pytest.raises(ValidationError) as raised:
            services.org_save(actor=actors.county_admin, org=org)
        assert raised.value.message_dict == {
            "filing_body": [
                "The filing body must be the organisation's community (巴音孟克社区) or its township."
            ]
        }
        assert CommunityOrg.objects.count() == 0


def test_the_community_must_be_a_community(tree, actors):
    org = filed(tree, community=tree.town_a1, filing_body=tree.town_a1)

    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=org)

    assert raised.value.message_dict == {
        "community": ["Choose a community / village, not a township / street."]
    }


def test_the_federation_is_the_one_of_the_township(tree, actors):
    own = make_federation(tree.town_a1)
    other = make_federation(tree.town_a2)

    services.org_save(actor=actors.county_admin, org=filed(tree, federation=own))
    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=filed(tree, name="二", federation=other))

    assert raised.value.message_dict == {
        "federation": ["The federation must be the one of the organisation's township."]
    }
    assert list(CommunityOrg.objects.values_list("federation", flat=True)) == [own.pk]


def test_the_incubator_is_above_the_community(tree, actors):
    county_centre = make_incubator(tree.county_a)
    other_township_centre = make_incubator(tree.town_a2)

    services.org_save(actor=actors.county_admin, org=filed(tree, incubator=county_centre))
    with pytest.raises(ValidationError) as raised:
        services.org_save(
            actor=actors.county_admin, org=filed(tree, name="二", incubator=other_township_centre)
        )

    assert raised.value.message_dict == {
        "incubator": ["The incubation centre must be in the organisation's county or township."]
    }


def test_a_credit_code_belongs_to_one_organisation(tree, actors):
    make_org(tree.comm_a2, registered=True, credit_code=VALID_CODE)

    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=registered(tree))

    assert raised.value.message_dict == {
        "credit_code": ["Another organisation has this credit code."]
    }
    assert CommunityOrg.objects.count() == 1


def test_the_api_names_the_field_of_a_duplicate(api, tree, actors):
    make_org(tree.comm_a2, registered=True, credit_code=VALID_CODE)
    make_org(tree.comm_a1_urban, "巴音孟克社区夕阳红志愿服务队")
    client = api(actors.county_admin)

    same_code = client.post("/api/v1/orgs/", api_payload(tree, name="别名"), format="json")
    same_name = client.post(
        "/api/v1/orgs/", api_payload(tree, credit_code=org_credit_code(77)), format="json"
    )

    assert (same_code.status_code, same_code.json()) == (
        400,
        {"credit_code": ["Another organisation has this credit code."]},
    )
    assert (same_name.status_code, same_name.json()) == (
        400,
        {"name": ["This community already has an organisation with this name."]},
    )
    assert CommunityOrg.objects.count() == 2


def test_an_organisation_in_another_county_cannot_be_saved(tree, actors):
    org = filed(tree, community=tree.comm_b1, filing_body=tree.comm_b1)

    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=org)

    assert raised.value.message_dict == {"community": ["No such area within your reach."]}
    assert CommunityOrg.objects.count() == 0


def test_a_brand_year_before_the_founding_is_refused(tree, actors):
    org = filed(tree, founded_on=datetime.date(2022, 1, 1), brand_year=2021)

    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=org)

    assert raised.value.message_dict == {
        "brand_year": ["The brand year is before the organisation was founded."]
    }


# API ---------------------------------------------------------------------------------------------


def api_payload(tree, **fields) -> dict:
    payload = {
        "name": "巴音孟克社区夕阳红志愿服务队",
        "type": "volunteer",
        "community": tree.comm_a1_urban.code,
        "standing": "registered",
        "credit_code": VALID_CODE,
        "registration_authority": "东胜区民政局",
        "registered_on": "2021-03-01",
        "served_groups": ["elderly", "women"],
        "contact_phone": "13812345678",
        "member_count": 25,
    }
    payload.update(fields)
    return payload


def test_the_api_creates_a_registered_organisation(api, tree, actors):
    response = api(actors.county_admin).post("/api/v1/orgs/", api_payload(tree), format="json")

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in ("type", "community", "township", "standing")} == {
        "type": "volunteer",
        "community": "150602001001",
        "township": "150602001000",
        "standing": "registered",
    }
    assert body["served_groups"] == ["elderly", "women"]
    assert body["contact_phone"] == "13812345678"
    assert CommunityOrg.objects.get().credit_code == VALID_CODE


def test_the_api_names_every_missing_registration_field(api, tree, actors):
    payload = api_payload(tree, credit_code="", registration_authority="", registered_on=None)

    response = api(actors.county_admin).post("/api/v1/orgs/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == REGISTERED_MESSAGES
    assert CommunityOrg.objects.count() == 0


def test_the_api_refuses_a_wrong_check_character(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/orgs/", api_payload(tree, credit_code=WRONG_CHECK), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "credit_code": ["The check character of this unified social credit code is wrong."]
    }
    assert CommunityOrg.objects.count() == 0


def test_the_api_requires_the_filing_body_of_a_filed_organisation(api, tree, actors):
    payload = api_payload(
        tree, standing="filed", credit_code="", registration_authority="", registered_on=None
    )

    response = api(actors.county_admin).post("/api/v1/orgs/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"filing_body": [FILING_BODY_MESSAGE]}
    assert CommunityOrg.objects.count() == 0


def test_the_api_refuses_to_register_without_a_code_on_update(api, tree, actors):
    org = make_org(tree.comm_a1_urban)

    response = api(actors.county_admin).patch(
        f"/api/v1/orgs/{org.pk}/", {"standing": "registered"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == REGISTERED_MESSAGES
    assert CommunityOrg.objects.get(pk=org.pk).standing == "filed"


def test_the_api_refuses_a_filing_body_outside_the_township(api, tree, actors):
    payload = api_payload(
        tree,
        standing="filed",
        credit_code="",
        filing_body=tree.town_a2.code,
    )

    response = api(actors.county_admin).post("/api/v1/orgs/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "filing_body": [
            "The filing body must be the organisation's community (巴音孟克社区) or its township."
        ]
    }


def test_the_api_refuses_an_unknown_served_group(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/orgs/", api_payload(tree, served_groups=["pets"]), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["served_groups"]
    assert CommunityOrg.objects.count() == 0


def test_the_api_masks_the_phone_for_those_without_the_permission(api, tree, actors):
    org = make_org(tree.comm_a1_urban, contact_phone="13812345678")

    for_reviewer = api(actors.reviewer).get(f"/api/v1/orgs/{org.pk}/").json()
    for_admin = api(actors.county_admin).get(f"/api/v1/orgs/{org.pk}/").json()

    assert for_reviewer["contact_phone"] == "138****5678"
    assert for_admin["contact_phone"] == "13812345678"


# Admin -------------------------------------------------------------------------------------------


def admin_form(tree, **fields) -> dict:
    data = {
        "name": "巴音孟克社区夕阳红志愿服务队",
        "org_type": "volunteer",
        "community": tree.comm_a1_urban.pk,
        "served_groups": [],
        "founded_on": "",
        "leader": "",
        "contact_phone": "",
        "member_count": "",
        "status": "active",
        "standing": "registered",
        "credit_code": VALID_CODE,
        "registration_authority": "东胜区民政局",
        "registered_on": "2021-03-01",
        "filing_body": "",
        "filed_on": "",
        "party_organisation": "none",
        "brand_year": "",
        "incubator": "",
        "federation": "",
    }
    data.update(fields)
    return data


def test_the_admin_adds_an_organisation(client, tree, actors):
    client.force_login(actors.county_admin)
    elderly = ServedGroup.objects.get(code="elderly")

    response = client.post(
        "/admin/orgs/communityorg/add/", admin_form(tree, served_groups=[elderly.pk])
    )

    assert response.status_code == 302
    org = CommunityOrg.objects.get()
    assert (org.credit_code, list(org.served_groups.all())) == (VALID_CODE, [elderly])


def test_the_admin_form_names_the_missing_registration_fields(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/orgs/communityorg/add/",
        admin_form(tree, credit_code="", registration_authority="", registered_on=""),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == REGISTERED_MESSAGES
    assert CommunityOrg.objects.count() == 0


def test_the_admin_form_names_the_missing_filing_body(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/orgs/communityorg/add/",
        admin_form(tree, standing="filed", credit_code="", registration_authority=""),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"filing_body": [FILING_BODY_MESSAGE]}
    assert CommunityOrg.objects.count() == 0


def test_the_admin_form_refuses_a_wrong_check_character(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/orgs/communityorg/add/", admin_form(tree, credit_code=WRONG_CHECK)
    )

    assert response.context["adminform"].form.errors == {
        "credit_code": ["The check character of this unified social credit code is wrong."]
    }
    assert CommunityOrg.objects.count() == 0


def test_the_admin_form_refuses_a_filing_body_of_another_township(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/orgs/communityorg/add/",
        admin_form(tree, standing="filed", credit_code="", filing_body=tree.town_a2.pk),
    )

    assert response.context["adminform"].form.errors == {
        "filing_body": [
            "The filing body must be the organisation's community (巴音孟克社区) or its township."
        ]
    }
    assert CommunityOrg.objects.count() == 0


def test_the_admin_change_page_masks_the_phone_for_a_reviewer(client, tree, actors):
    org = make_org(tree.comm_a1_urban, contact_phone="13812345678")
    client.force_login(actors.reviewer)

    response = client.get(f"/admin/orgs/communityorg/{org.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert ("138****5678" in content, "13812345678" in content) == (True, False)


# The credit code of a registered organisation is a civil-affairs one (GB 32100) -------------------


def _checked(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


ENTERPRISE_CODE = _checked("91150602MA0N12345")  # a company registered by market regulation
CIVIL_AFFAIRS_MESSAGE = (
    "A community social organisation is registered by civil affairs: its credit code begins "
    "with 51 (social group), 52 (private non-enterprise unit) or 53 (foundation)."
)


@pytest.mark.parametrize(
    ("_case", "code"),
    [
        ("enterprise", ENTERPRISE_CODE),
        ("civil_affairs_other_kind", org_credit_code(43, kind="9")),
        ("institution", _checked("12150602MB1234567")),
    ],
)
def test_a_credit_code_not_of_civil_affairs_is_refused(tree, actors, _case, code):
    validate_credit_code(code)  # well-formed and checksum-valid: only the authority is wrong

    with pytest.raises(ValidationError) as raised:
        services.org_save(actor=actors.county_admin, org=registered(tree, credit_code=code))

    assert raised.value.message_dict == {"credit_code": [CIVIL_AFFAIRS_MESSAGE]}
    assert raised.value.error_dict["credit_code"][0].code == "credit_code_not_civil_affairs"
    assert CommunityOrg.objects.count() == 0


@pytest.mark.parametrize("kind", ["1", "2", "3"])
def test_the_three_civil_affairs_kinds_are_accepted(tree, actors, kind):
    code = org_credit_code(44, kind=kind)

    services.org_save(actor=actors.county_admin, org=registered(tree, credit_code=code))

    assert list(CommunityOrg.objects.values_list("credit_code", flat=True)) == [code]


def test_the_api_refuses_an_enterprise_credit_code(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/orgs/", api_payload(tree, credit_code=ENTERPRISE_CODE), format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"credit_code": [CIVIL_AFFAIRS_MESSAGE]},
    )
    assert CommunityOrg.objects.count() == 0


def test_the_import_refuses_an_enterprise_credit_code(tree):
    text = (
        "name,type,community_code,standing,credit_code,founded,leader,members\n"
        f"某公司,其他,150602001001,依法登记,{ENTERPRISE_CODE},2020-05-01,,\n"
    )

    with pytest.raises(ImportRejected) as rejected:
        org_import(io.BytesIO(text.encode()), name="orgs.csv")

    assert rejected.value.messages() == [f"Row 2, column credit_code: {CIVIL_AFFAIRS_MESSAGE}"]
    assert CommunityOrg.objects.count() == 0
