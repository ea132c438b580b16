"""The scale-data generator (issue #10) on a slice of the real Ordos tree.

The data is generated once for the module (the first township of each county, nine of Ordos'
97: city scale in full takes over a minute on SQLite) and removed at the end; each test runs in its
own transaction on top of it.
"""

import hashlib
import io
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q, Sum

import pytest

from orgs.models import CommunityOrg
from projects.models import Contract, Report
from reports.models import AreaResult, ComplianceRun
from reports.selectors import compliance_report
from reports.services import compliance_run_execute
from stations.models import (
    AdminArea,
    AreaPopulation,
    ServiceLogEntry,
    Station,
    StationAssignment,
    StationInspection,
)
from stations.scale.generator import GENERATED_MODELS, generate, orphaned_references
from stations.validators import validate_id_number
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import Certificate, Worker
from volunteers.models import PointsEntry, ServiceRecord, Volunteer
from volunteers.selectors import records_out_of_step

pytestmark = pytest.mark.django_db

TOWNSHIPS = 1  # per county
YEAR = 2025
Level = AdminArea.Level


def _generate(seed: int, *, replace: bool = False):
    return generate(
        scale_name="city", seed=seed, townships=TOWNSHIPS, replace=replace, log=lambda _line: None
    )


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = _generate(1)
        yield result
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in [*reversed(GENERATED_MODELS), AdminArea]:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608


def _content_hash() -> str:
    """A digest of the natural content of four tables (no ids or timestamps)."""
    digest = hashlib.sha256()
    for rows in (
        Worker.objects.order_by("id_number").values_list(
            "id_number", "name", "area__code", "education", "post", "birth_date"
        ),
        CommunityOrg.objects.order_by("community__code", "name").values_list(
            "community__code", "name", "org_type", "status", "standing", "credit_code"
        ),
        ServiceLogEntry.objects.order_by(
            "station__area__code", "served_on", "worker__id_number", "kind", "hours", "pk"
        ).values_list(
            "station__area__code", "served_on", "worker__id_number", "kind", "hours",
            "case_reference", "community__code",
        ),
        Volunteer.objects.order_by("id_number").values_list(
            "id_number", "name", "area__code", "points_balance"
        ),
    ):  # fmt: skip
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_rows_come_in_the_policy_proportions(generated):
    # given the generated slice
    communities = AdminArea.objects.filter(
        level=Level.COMMUNITY, is_placeholder=False, parent__in=_townships_generated()
    )
    urban = communities.filter(urban_rural="urban")
    rural = communities.filter(urban_rural="rural")
    residents = AreaPopulation.objects.filter(area__in=communities, year=YEAR).aggregate(
        total=Sum("population")
    )["total"]
    city_population = AreaPopulation.objects.get(area__code="150600000000", year=YEAR).population

    # then the city's figure is the sum of its communities', their share of Ordos' 2.2 million
    assert city_population == residents
    share = (
        communities.count()
        / AdminArea.objects.filter(level=Level.COMMUNITY, is_placeholder=False).count()
    )
    assert abs(residents - 2_200_000 * share) <= communities.count()
    # urban communities are several times bigger than rural villages
    urban_mean = _mean_population(urban)
    rural_mean = _mean_population(rural)
    assert 3 < urban_mean / rural_mean < 8
    # workers 1.6-3.4 per 1,000 by county, about 1.5 certified per 1,000
    workers = Worker.objects.count()
    certified = Worker.objects.filter(certificates__isnull=False).distinct().count()
    assert 1.6 <= workers * 1000 / residents <= 3.4
    assert 1.1 <= certified * 1000 / residents <= 2.0
    assert Certificate.objects.count() == certified
    # about 11.5 organisations per urban community and 5.8 per rural one
    assert 10 <= CommunityOrg.objects.filter(community__in=urban).count() / urban.count() <= 13
    assert 4.5 <= CommunityOrg.objects.filter(community__in=rural).count() / rural.count() <= 7
    # volunteers 1 % of the residents
    assert 0.008 <= Volunteer.objects.count() / residents <= 0.012
    # one station per township that has one, run by the contractor of its contract
    townships = Station.objects.filter(kind=Station.Kind.TOWNSHIP_STATION)
    assert townships.values("area").distinct().count() == townships.count()
    assert 7 <= townships.count() <= 9
    contracted = townships.filter(operator=Station.Operator.CONTRACTOR)
    assert contracted.filter(contractor=F("contracts__contractor")).count() == contracted.count()
    # twelve monthly briefings per contract
    assert Report.objects.count() == 12 * Contract.objects.count()
    # the six haves and the ledger vary: some stations pass, some do not
    inspections = StationInspection.objects.all()
    failing = inspections.filter(
        Q(premises_passed=False)
        | Q(equipment_passed=False)
        | Q(staff_passed=False)
        | Q(functions_passed=False)
        | Q(rules_passed=False)
        | Q(workflow_passed=False)
    ).count()
    assert 0 < failing < inspections.count()


def _townships_generated():
    return AdminArea.objects.filter(
        level=Level.TOWNSHIP, pk__in=AreaPopulation.objects.values("area")
    )


def _mean_population(communities) -> float:
    figures = AreaPopulation.objects.filter(area__in=communities, year=YEAR).aggregate(
        total=Sum("population"), n=Count("pk")
    )
    return figures["total"] / figures["n"]


def test_same_seed_writes_the_same_rows_and_another_seed_others(generated):
    # given the module's data of seed 1
    first = _content_hash()

    # when the command generates seed 1 again over it, then seed 2
    out = io.StringIO()
    call_command(
        "generate_scale_data", "--scale", "city", "--townships", str(TOWNSHIPS), "--replace",
        stdout=out,
    )  # fmt: skip
    again = _content_hash()
    workers = Worker.objects.count()
    _generate(2, replace=True)
    other = _content_hash()

    # then seed 1 gives identical content and seed 2 different content
    assert again == first
    assert other != first
    # and the command's summary gives the rows written per table
    lines = {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines()[1:]}
    assert lines["talent_worker"] == f"{workers:,}"


def test_references_and_denormalised_fields_hold(generated):
    # every foreign key points at a row (PostgreSQL loads them with its key triggers off)
    assert orphaned_references() == []
    connection.check_constraints()
    # the copies of the station's area that the services would have written
    assert StationAssignment.objects.exclude(area=F("station__area")).count() == 0
    assert ServiceLogEntry.objects.exclude(area=F("station__area")).count() == 0
    assert StationInspection.objects.exclude(area=F("station__area")).count() == 0
    # the service records' copies of their activity's community and start
    assert ServiceRecord.objects.count() > 0
    assert records_out_of_step().count() == 0
    # the community served lies in the station's township
    assert (
        ServiceLogEntry.objects.filter(community__isnull=False)
        .exclude(community__parent__code=F("station__area__code"))
        .count()
        == 0
    )
    # signboard names as the services make them
    station = Station.objects.filter(kind=Station.Kind.TOWNSHIP_STATION).order_by("pk")[0]
    assert station.signboard_name.endswith("社会工作服务站")
    assert station.name == station.signboard_name
    # the points balances are the sums of the points ledger, one entry per verified record
    mismatched = (
        Volunteer.objects.annotate(total=Sum("points_entries__amount"))
        .exclude(Q(points_balance=0, total__isnull=True) | Q(points_balance=F("total")))
        .count()
    )
    assert mismatched == 0
    assert PointsEntry.objects.count() == ServiceRecord.objects.filter(is_verified=True).count()
    # case work has a reference, other work none (the check constraint)
    assert ServiceLogEntry.objects.filter(kind="case", case_reference="").count() == 0


def test_the_reference_check_finds_a_dangling_key(generated):
    # keys are checked at commit, so a broken row can live for a moment inside the transaction
    certificate = Certificate.objects.order_by("pk")[0]
    Certificate.objects.filter(pk=certificate.pk).update(worker_id=10**9)
    assert orphaned_references() == ["talent_certificate.worker_id: 1"]
    Certificate.objects.filter(pk=certificate.pk).update(worker_id=certificate.worker_id)
    assert orphaned_references() == []


def test_resident_id_numbers_are_valid_and_match_birth_and_gender(generated):
    for number, birth_date, gender in Worker.objects.values_list(
        "id_number", "birth_date", "gender"
    ):
        validate_id_number(number)
        assert id_number_birth_date(number) == birth_date
        assert id_number_gender(number) == gender
    for (number,) in Volunteer.objects.values_list("id_number"):
        validate_id_number(number)
    assert Worker.objects.values("id_number").distinct().count() == Worker.objects.count()


def test_compliance_run_over_the_data_matches_the_generated_counts(generated):
    # given the city
    city = AdminArea.objects.get(code="150600000000")

    # when the platform computes its compliance figures
    run = ComplianceRun.objects.create(area=city, year=YEAR)
    run = compliance_run_execute(run_id=run.pk)

    # then the run completes with the generated counts
    assert run.status == ComplianceRun.Status.COMPLETE, run.error
    values = AreaResult.objects.get(snapshot__run=run, area=city).values
    population = AreaPopulation.objects.get(area=city, year=YEAR).population
    assert values["population"][0] == population
    assert values["talent_total"][0] == Worker.objects.count()
    certified = Worker.objects.filter(certificates__isnull=False).distinct().count()
    assert values["certified_per_10k"][:2] == [certified, population]
    real_townships = AdminArea.objects.filter(level=Level.TOWNSHIP, is_virtual=False).count()
    operating = Station.objects.filter(
        kind=Station.Kind.TOWNSHIP_STATION, status=Station.Status.OPERATING
    ).count()
    assert values["township_station_coverage"][:2] == [operating, real_townships]
    urban = AdminArea.objects.filter(
        level=Level.COMMUNITY, urban_rural="urban", is_placeholder=False
    )
    active_urban_orgs = CommunityOrg.objects.filter(
        community__in=urban, status=CommunityOrg.Status.ACTIVE
    ).count()
    assert values["urban_community_orgs_avg"][:2] == [active_urban_orgs, urban.count()]
    due = Report.objects.filter(kind=Report.Kind.MONTHLY, due_date__year=YEAR)
    on_time = due.filter(first_submitted_on__lte=F("due_date")).count()
    assert values["monthly_report_timeliness"][:2] == [on_time, due.count()]
    verified_hours = ServiceRecord.objects.filter(is_verified=True).aggregate(h=Sum("hours"))["h"]
    assert Decimal(str(values["verified_volunteer_hours"][0])) == verified_hours
    # the varied stations: some meet the staffing rule, not all
    staffed, stations = values["station_staffing_share"][:2]
    assert stations == operating
    assert 0 < staffed < stations
    # and the report for Ordos reads it: the city and its ten counties
    report = compliance_report(area=city, year=YEAR)
    assert len(report["children"]) == 10
    items = {item["key"]: item for item in report["targets"]}
    assert items["talent_total"]["value"] == Worker.objects.count()
    assert items["population"]["value"] == population


def test_the_command_refuses_a_database_holding_a_registry(generated):
    # given the module's registry
    workers = Worker.objects.count()

    # when the command runs without --replace
    with pytest.raises(CommandError) as error:
        call_command("generate_scale_data", "--scale", "city", "--townships", "2")

    # then it names the tables and writes nothing
    assert "already holds registry rows" in str(error.value)
    assert "social workers" in str(error.value)
    assert Worker.objects.count() == workers
