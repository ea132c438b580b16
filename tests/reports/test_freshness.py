"""Freshness after bulk imports: an import that wrote something queues one recompute of its
top-level area (bulk writes leave no audit entries for the minute refresh to find)."""

import datetime
import io
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from orgs.imports import org_import
from reports.models import AreaResult, ComplianceRun, ComplianceSnapshot
from reports.services import compliance_refresh_after_import
from talent.imports import worker_import
from tests.talent.factories import make_id_number
from tests.volunteers.factories import valid_id_number
from volunteers.imports import volunteer_import

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
WORKERS = (
    "name,id_number,phone,education,major,post,area_code\n"
    f"孙丽,{make_id_number(datetime.date(1991, 4, 5), serial=11)},13811112222,本科,社会工作,"
    "社工站工作人员,150602001000\n"
    f"吴刚,{make_id_number(datetime.date(1986, 12, 1), serial=22)},,大专,相关专业,社区工作者,"
    "150602001001\n"
)


def csv(text: str, name: str) -> io.BytesIO:
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return data


def talent_total(area) -> int:
    snapshot = ComplianceSnapshot.objects.get(area__code="150600000000", is_current=True)
    return AreaResult.objects.get(snapshot=snapshot, area=area).values["talent_total"][2]


def test_a_worker_import_recomputes_the_figures(tree, actors, django_capture_on_commit_callbacks):
    call_command("compute_compliance", "--year", str(YEAR), stdout=StringIO())
    assert talent_total(tree.county_a) == 0

    with django_capture_on_commit_callbacks(execute=True):
        worker_import(csv(WORKERS, "workers.csv"), actor=actors.county_admin)

    assert talent_total(tree.county_a) == 2
    assert talent_total(tree.city) == 2
    run = ComplianceRun.objects.order_by("-pk").first()
    assert (run.area.code, run.year, run.status) == ("150600000000", YEAR, "complete")


def test_imports_in_a_row_queue_one_run(tree, actors):
    worker_import(csv(WORKERS, "workers.csv"), actor=actors.county_admin)
    worker_import(csv(WORKERS.replace("孙丽", "孙莉"), "workers.csv"), actor=actors.county_admin)

    assert list(ComplianceRun.objects.values_list("area__code", "status")) == [
        ("150600000000", "queued")
    ]


def test_an_import_that_changes_nothing_queues_nothing(tree, actors):
    worker_import(csv(WORKERS, "workers.csv"), actor=actors.county_admin)
    ComplianceRun.objects.update(status=ComplianceRun.Status.COMPLETE)

    worker_import(csv(WORKERS, "workers.csv"), actor=actors.county_admin)

    assert ComplianceRun.objects.filter(status="queued").count() == 0


def test_a_run_already_computing_does_not_stand_in_for_the_import(tree, actors):
    ComplianceRun.objects.create(area=tree.city, year=YEAR, status=ComplianceRun.Status.RUNNING)

    worker_import(csv(WORKERS, "workers.csv"), actor=actors.county_admin)

    assert sorted(ComplianceRun.objects.values_list("status", flat=True)) == ["queued", "running"]


def test_an_organisation_import_queues_a_run(tree, actors):
    text = (
        "name,type,community_code,standing,credit_code,founded,leader,members\n"
        "巴音孟克社区邻里互助会,mutual_aid,150602001001,filed,,2021/3/15,李建国,20\n"
    )

    org_import(csv(text, "orgs.csv"), actor=actors.county_admin)

    assert list(ComplianceRun.objects.values_list("area__code", "year", "status")) == [
        ("150600000000", YEAR, "queued")
    ]


def test_a_volunteer_import_queues_a_run(tree, actors):
    text = (
        "name,id_number,community,phone,skills,national_number,joined_on\n"
        f"张三,{valid_id_number(101)},150602001001,13800001111,,,2024-03-01\n"
    )

    volunteer_import(csv(text, "volunteers.csv"), actor=actors.county_admin)

    assert list(ComplianceRun.objects.values_list("area__code", "status")) == [
        ("150600000000", "queued")
    ]


def test_no_paths_queue_nothing(tree):
    assert compliance_refresh_after_import(area_paths=[]) == []
    assert ComplianceRun.objects.count() == 0
