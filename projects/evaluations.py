"""Annual performance evaluations: weighted indicator scores, a grade, and termination on a fail."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from projects.models import (
    Contract,
    CountyProjectConfig,
    Evaluation,
    EvaluationIndicator,
    EvaluationScore,
)
from projects.services import contract_transition
from stations.access import area_assert_in_scope

DEFAULT_THRESHOLDS = {"excellent": Decimal(90), "good": Decimal(80), "pass": Decimal(60)}


def grade_thresholds(county_id: int) -> dict[str, Decimal]:
    """The county's grade thresholds, else PROJECTS_GRADE_THRESHOLDS, else 90 / 80 / 60."""
    config = CountyProjectConfig.objects.filter(area_id=county_id).first()
    if config is not None:
        return {
            "excellent": config.grade_excellent_from,
            "good": config.grade_good_from,
            "pass": config.grade_pass_from,
        }
    configured = getattr(settings, "PROJECTS_GRADE_THRESHOLDS", {})
    return {
        key: Decimal(str(configured.get(key, value))) for key, value in DEFAULT_THRESHOLDS.items()
    }


def grade_for(score: Decimal, thresholds: dict[str, Decimal]) -> str:
    if score >= thresholds["excellent"]:
        return Evaluation.Grade.EXCELLENT
    if score >= thresholds["good"]:
        return Evaluation.Grade.GOOD
    if score >= thresholds["pass"]:
        return Evaluation.Grade.PASS
    return Evaluation.Grade.FAIL


def indicator_weight_total(*, county_id: int, year: int) -> Decimal:
    total = EvaluationIndicator.objects.filter(area_id=county_id, year=year).aggregate(
        total=Sum("weight")
    )["total"]
    return total or Decimal(0)


@transaction.atomic
def indicator_save(*, actor, indicator: EvaluationIndicator) -> EvaluationIndicator:
    """Creates or updates an indicator; the set's weights may not go past 100."""
    area_assert_in_scope(indicator.area if indicator.area_id else None, actor=actor)
    indicator.full_clean()
    others = EvaluationIndicator.objects.filter(
        area_id=indicator.area_id, year=indicator.year
    ).exclude(pk=indicator.pk).aggregate(total=Sum("weight"))["total"] or Decimal(0)
    total = others + Decimal(indicator.weight)
    if total > 100:
        # PostgreSQL sums to the column's scale (105.00); people read 105.
        raise ValidationError(
            {
                "weight": _("The weights of %(year)s would add up to %(total)s, more than 100.")
                % {"year": indicator.year, "total": format(total.normalize(), "f")}
            },
            code="weights_over_100",
        )
    indicator.save()
    return indicator


@transaction.atomic
def evaluation_save(
    *,
    actor,
    contract: Contract,
    year: int,
    evaluated_on: datetime.date,
    scores: dict[int, Decimal],
    comments: str = "",
) -> Evaluation:
    """Records (or redoes) a contract's evaluation for a year from one score per indicator.

    The total is the weighted mean; a failing grade terminates the contract with that reason.
    """
    area_assert_in_scope(contract.area, actor=actor)
    indicators = list(EvaluationIndicator.objects.filter(area_id=contract.area_id, year=year))
    total_weight = sum((indicator.weight for indicator in indicators), Decimal(0))
    if total_weight != 100:
        raise ValidationError(
            {
                "scores": _(
                    "The evaluation indicators of %(year)s weigh %(total)s in all; "
                    "they must add up to 100."
                )
                % {"year": year, "total": total_weight}
            },
            code="weights_not_100",
        )
    by_id = {indicator.pk: indicator for indicator in indicators}
    scores = {int(key): value for key, value in scores.items()}
    missing = [indicator.name for indicator in indicators if indicator.pk not in scores]
    unknown = [key for key in scores if key not in by_id]
    if missing or unknown:
        raise ValidationError(
            {
                "scores": _(
                    "Score every indicator of the year, and only those; missing: %(names)s."
                )
                % {"names": "、".join(missing) or "-"}
            },
            code="scores_incomplete",
        )
    rows = []
    for indicator_id, value in scores.items():
        try:
            score = Decimal(str(value))
        except ArithmeticError:
            score = Decimal(-1)
        if not Decimal(0) <= score <= Decimal(100):
            raise ValidationError(
                {
                    "scores": _("A score is between 0 and 100 (%(name)s).")
                    % {"name": by_id[indicator_id].name}
                },
                code="score_range",
            )
        rows.append((by_id[indicator_id], score))
    total = sum((score * indicator.weight for indicator, score in rows), Decimal(0)) / 100
    total = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    evaluation = Evaluation.objects.filter(contract=contract, year=year).first() or Evaluation(
        contract=contract, year=year
    )
    evaluation.evaluated_on = evaluated_on
    evaluation.comments = comments
    evaluation.total_score = total
    evaluation.grade = grade_for(total, grade_thresholds(contract.area_id))
    evaluation.full_clean()
    evaluation.save()
    evaluation.scores.all().delete()
    EvaluationScore.objects.bulk_create(
        [
            EvaluationScore(evaluation=evaluation, indicator=indicator, score=score)
            for indicator, score in rows
        ]
    )
    if evaluation.grade == Evaluation.Grade.FAIL and contract.status in (
        Contract.Status.SIGNED,
        Contract.Status.ACTIVE,
    ):
        contract_transition(
            actor=actor,
            contract=contract,
            to_status=Contract.Status.TERMINATED,
            effective_on=evaluated_on,
            reason=_("Failed the annual evaluation of %(year)s with %(score)s points.")
            % {"year": year, "score": total},
        )
    return evaluation
