import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from projects import evaluations
from projects.models import CountyProjectConfig, Evaluation, EvaluationIndicator

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 12, 20)


def evaluate(actors, contract, indicators, quantity, quality):
    return evaluations.evaluation_save(
        actor=actors.county_admin,
        contract=contract,
        year=2025,
        evaluated_on=ON,
        scores={indicators[0].pk: Decimal(quantity), indicators[1].pk: Decimal(quality)},
    )


@pytest.mark.parametrize(
    ("_case", "quantity", "quality", "total", "grade"),
    [
        ("excellent at exactly 90", 90, 90, Decimal("90.00"), "excellent"),
        ("good just under 90", 90, "89.98", Decimal("89.99"), "good"),
        ("good at 80", 80, 80, Decimal("80.00"), "good"),
        ("pass at 60", 60, 60, Decimal("60.00"), "pass"),
    ],
)
def test_grade_from_weighted_scores(
    actors, contract, indicators, _case, quantity, quality, total, grade
):
    evaluation = evaluate(actors, contract, indicators, quantity, quality)

    assert (evaluation.total_score, evaluation.grade) == (total, grade)
    contract.refresh_from_db()
    assert contract.status == "active"


def test_a_failing_grade_terminates_the_contract(actors, contract, indicators):
    evaluation = evaluate(actors, contract, indicators, 60, "59.9")

    contract.refresh_from_db()
    assert (evaluation.total_score, evaluation.grade) == (Decimal("59.94"), "fail")
    assert (contract.status, contract.terminated_on) == ("terminated", ON)
    assert contract.status_reason == "Failed the annual evaluation of 2025 with 59.94 points."
    assert contract.status_changes.last().to_status == "terminated"


def test_thresholds_are_configurable(actors, contract, indicators, tree):
    CountyProjectConfig.objects.create(
        area=tree.county_a, grade_excellent_from=95, grade_good_from=85, grade_pass_from=70
    )

    evaluation = evaluate(actors, contract, indicators, 90, 90)

    assert evaluation.grade == "good"


def test_weights_must_add_up_to_100(actors, contract, indicators):
    EvaluationIndicator.objects.filter(pk=indicators[1].pk).update(weight=50)

    with pytest.raises(ValidationError) as error:
        evaluate(actors, contract, indicators, 90, 90)

    assert error.value.message_dict == {
        "scores": ["The evaluation indicators of 2025 weigh 90.00 in all; they must add up to 100."]
    }
    assert Evaluation.objects.count() == 0


def test_every_indicator_must_be_scored(actors, contract, indicators):
    with pytest.raises(ValidationError) as error:
        evaluations.evaluation_save(
            actor=actors.county_admin,
            contract=contract,
            year=2025,
            evaluated_on=ON,
            scores={indicators[0].pk: Decimal(90)},
        )

    assert error.value.message_dict == {
        "scores": ["Score every indicator of the year, and only those; missing: 服务质量."]
    }
    assert Evaluation.objects.count() == 0


def test_an_indicator_set_cannot_weigh_more_than_100(actors, tree, indicators):
    with pytest.raises(ValidationError) as error:
        evaluations.indicator_save(
            actor=actors.county_admin,
            indicator=EvaluationIndicator(area=tree.county_a, year=2025, name="创新", weight=5),
        )

    assert error.value.message_dict == {
        "weight": ["The weights of 2025 would add up to 105, more than 100."]
    }
    assert EvaluationIndicator.objects.count() == 2


def test_evaluating_again_replaces_the_scores(actors, contract, indicators):
    evaluate(actors, contract, indicators, 70, 70)

    evaluation = evaluate(actors, contract, indicators, 95, 95)

    assert Evaluation.objects.count() == 1
    assert evaluation.grade == "excellent"
    assert sorted(evaluation.scores.values_list("score", flat=True)) == [Decimal(95), Decimal(95)]
