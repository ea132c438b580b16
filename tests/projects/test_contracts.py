import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from projects import services
from projects.models import Contract, ContractStatusChange, PaymentInstalment, Report
from tests.factories import ContractorFactory
from tests.projects.conftest import START, make_contract

pytestmark = pytest.mark.django_db


def test_contract_term_defaults_to_three_years(actors, tree):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a)

    assert contract.end_date == datetime.date(2027, 12, 31)
    assert contract.status == Contract.Status.PROCUREMENT


def test_leap_day_start_ends_three_years_later(actors, tree):
    contract = make_contract(
        actor=actors.county_admin, area=tree.county_a, start=datetime.date(2024, 2, 29)
    )

    assert contract.end_date == datetime.date(2027, 2, 27)


@pytest.mark.parametrize(
    ("_case", "amounts", "valid"),
    [
        ("exact", ["100000.00", "200000.00"], True),
        ("one fen short", ["100000.00", "199999.99"], False),
        ("one fen over", ["100000.00", "200000.01"], False),
    ],
)
def test_instalments_must_add_up_to_the_price(actors, tree, _case, amounts, valid):
    instalments = [
        {"due_date": START + datetime.timedelta(days=90 * i), "amount": amount}
        for i, amount in enumerate(amounts)
    ]

    if valid:
        contract = make_contract(
            actor=actors.county_admin, area=tree.county_a, instalments=instalments
        )
        assert sorted(contract.instalments.values_list("amount", flat=True)) == [
            Decimal(a) for a in amounts
        ]
    else:
        with pytest.raises(ValidationError) as error:
            make_contract(actor=actors.county_admin, area=tree.county_a, instalments=instalments)
        assert "instalments" in error.value.message_dict
        assert Contract.objects.count() == 0
        assert PaymentInstalment.objects.count() == 0


def test_purchaser_must_be_a_county(actors, tree):
    with pytest.raises(ValidationError) as error:
        make_contract(actor=actors.city_admin, area=tree.town_a1)

    assert error.value.message_dict["area"] == [
        "Choose a county-level area (the county civil-affairs bureau)."
    ]
    assert Contract.objects.count() == 0


def test_landing_township_must_lie_in_the_county(actors, tree):
    with pytest.raises(ValidationError) as error:
        make_contract(actor=actors.city_admin, area=tree.county_a, townships=[tree.town_b1])

    assert error.value.message_dict["townships"] == [
        "These townships are not in 东胜区: 哈巴格希街道."
    ]


def test_out_of_scope_county_is_refused(actors, tree):
    with pytest.raises(ValidationError) as error:
        make_contract(actor=actors.other_county_admin, area=tree.county_a)

    assert error.value.message_dict == {"area": ["No such area within your reach."]}
    assert Contract.objects.count() == 0


def test_status_history_is_kept(actors, tree):
    contract = make_contract(
        actor=actors.county_admin, area=tree.county_a, status=Contract.Status.ACTIVE
    )

    steps = list(
        ContractStatusChange.objects.filter(contract=contract).values_list(
            "from_status", "to_status"
        )
    )
    assert steps == [("", "procurement"), ("procurement", "signed"), ("signed", "active")]
    assert contract.signed_on == START
    assert contract.activated_on == START


@pytest.mark.parametrize(
    ("_case", "start_status", "to_status", "message"),
    [
        (
            "activate before signing",
            Contract.Status.PROCUREMENT,
            Contract.Status.ACTIVE,
            "A contract cannot go from “In procurement” to “Active”.",
        ),
        (
            "complete before activating",
            Contract.Status.SIGNED,
            Contract.Status.COMPLETED,
            "A contract cannot go from “Signed” to “Completed”.",
        ),
        (
            "sign again",
            Contract.Status.ACTIVE,
            Contract.Status.SIGNED,
            "A contract cannot go from “Active” to “Signed”.",
        ),
    ],
)
def test_illegal_contract_transitions_are_refused(
    actors, tree, _case, start_status, to_status, message
):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status=start_status)

    with pytest.raises(ValidationError) as error:
        services.contract_transition(
            actor=actors.county_admin, contract=contract, to_status=to_status, effective_on=START
        )

    assert error.value.message_dict == {"status": [message]}
    assert Contract.objects.get().status == start_status


def test_termination_needs_a_reason_and_drops_unstarted_future_reports(actors, tree):
    contract = make_contract(
        actor=actors.county_admin, area=tree.county_a, status=Contract.Status.ACTIVE
    )
    with pytest.raises(ValidationError) as error:
        services.contract_transition(
            actor=actors.county_admin,
            contract=contract,
            to_status=Contract.Status.TERMINATED,
            effective_on=datetime.date(2025, 6, 30),
        )
    assert error.value.message_dict == {"reason": ["Give the reason for terminating the contract."]}
    assert Report.objects.filter(contract=contract).count() == 38

    services.contract_transition(
        actor=actors.county_admin,
        contract=contract,
        to_status=Contract.Status.TERMINATED,
        effective_on=datetime.date(2025, 6, 30),
        reason="违约",
    )

    contract.refresh_from_db()
    assert (contract.status, contract.terminated_on, contract.status_reason) == (
        "terminated",
        datetime.date(2025, 6, 30),
        "违约",
    )
    assert Report.objects.filter(contract=contract, kind="monthly").count() == 6


def test_status_cannot_be_edited_directly(actors, tree):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a)
    contract.status = Contract.Status.ACTIVE

    with pytest.raises(ValidationError) as error:
        services.contract_save(actor=actors.county_admin, contract=contract)

    assert error.value.message_dict == {
        "status": ["Change the status with a status change, not by editing."]
    }
    assert Contract.objects.get().status == "procurement"


@pytest.mark.parametrize(
    ("_case", "code", "valid"),
    [
        ("valid", "91350100M000100Y43", True),
        ("valid generated", None, True),
        ("wrong check character", "91350100M000100Y44", False),
        ("forbidden letter", "91350100M000100I43", False),
        ("too short", "91350100M000100Y4", False),
    ],
)
def test_contractor_credit_code_is_checked(actors, tree, _case, code, valid):
    contractor = ContractorFactory.build(area=tree.county_a)
    if code is not None:
        contractor.credit_code = code

    if valid:
        services.contractor_save(actor=actors.county_admin, contractor=contractor)
        assert contractor.pk is not None
    else:
        with pytest.raises(ValidationError) as error:
            services.contractor_save(actor=actors.county_admin, contractor=contractor)
        assert list(error.value.message_dict) == ["credit_code"]
        assert not type(contractor).objects.filter(name=contractor.name).exists()
