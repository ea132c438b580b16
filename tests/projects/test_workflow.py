import datetime
from decimal import Decimal

from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from projects import notifications, selectors, tasks, workflow
from projects.models import CountyProjectConfig, Report, ReportAttachment, ReportTransition
from projects.workflow import Action
from stations.roles import Role
from tests.factories import make_user
from tests.projects.conftest import START, make_contract

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def submit(report, actor, **kwargs):
    return workflow.report_transition(
        actor=actor, report_id=report.pk, action=Action.SUBMIT, **kwargs
    )


def test_an_active_contract_owes_a_briefing_a_month_a_mid_term_and_a_final_report(contract):
    reports = Report.objects.filter(contract=contract)

    assert reports.filter(kind="monthly").count() == 36
    assert reports.get(kind="monthly", period=START).due_date == datetime.date(2025, 2, 5)
    assert reports.get(kind="monthly", period=datetime.date(2027, 12, 1)).due_date == (
        datetime.date(2028, 1, 5)
    )
    assert list(reports.filter(kind="mid_term").values_list("period", "due_date")) == [
        (datetime.date(2026, 6, 1), datetime.date(2026, 7, 5))
    ]
    assert list(reports.filter(kind="final").values_list("period", "due_date")) == [
        (datetime.date(2027, 12, 1), datetime.date(2028, 1, 5))
    ]


def test_generating_due_dates_again_creates_nothing(contract):
    assert workflow.report_schedule_generate(contract_id=contract.pk) == 0
    assert workflow.report_schedule_all() == 0
    assert Report.objects.filter(contract=contract).count() == 38


def test_the_county_sets_its_own_due_day(actors, tree):
    CountyProjectConfig.objects.create(area=tree.county_a, monthly_report_due_day=10)

    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status="active")

    assert Report.objects.get(contract=contract, kind="monthly", period=START).due_date == (
        datetime.date(2025, 2, 10)
    )


def test_due_day_from_the_setting(actors, tree, settings):
    settings.PROJECTS_MONTHLY_REPORT_DUE_DAY = 15

    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status="active")

    assert Report.objects.get(contract=contract, kind="monthly", period=START).due_date == (
        datetime.date(2025, 2, 15)
    )


def test_activation_schedules_the_reports_after_commit(
    actors, tree, django_capture_on_commit_callbacks
):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status="signed")
    from projects.services import contract_transition

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contract_transition(
            actor=actors.county_admin, contract=contract, to_status="active", effective_on=START
        )

    # The schedule, and the compliance refresh that the audited change asks for (and its run).
    assert sorted(callback.__qualname__ for callback in callbacks) == [
        "compliance_refresh_on_change.<locals>.request",
        "compliance_run_queue.<locals>.<lambda>",
        "contract_transition.<locals>.<lambda>",
    ]
    assert Report.objects.filter(contract=contract).count() == 38


def test_full_workflow_keeps_every_transition(report, actors):
    workflow.report_update_content(
        actor=actors.contractor,
        report_id=report.pk,
        data={
            "cases_opened": 3,
            "services_delivered": {"case": {"count": 4, "hours": "6.5"}},
            "people_served": {"lone_elderly": 12},
        },
        expected_version=0,
    )
    submit(report, actors.contractor, expected_version=1)
    workflow.report_transition(
        actor=actors.reviewer,
        report_id=report.pk,
        action=Action.RETURN,
        expected_version=2,
        reason="缺少活动照片",
    )
    submit(report, actors.contractor, expected_version=3)
    approved = workflow.report_transition(
        actor=actors.county_admin, report_id=report.pk, action=Action.APPROVE, expected_version=4
    )

    assert (approved.status, approved.version, approved.return_reason) == (
        "approved",
        5,
        "缺少活动照片",
    )
    assert approved.services_delivered == {"case": {"count": 4, "hours": "6.5"}}
    assert list(
        ReportTransition.objects.filter(report=report).values_list(
            "from_status", "to_status", "actor__username", "reason"
        )
    ) == [
        ("draft", "submitted", "contractor_a", ""),
        ("submitted", "returned", "county_a_reviewer", "缺少活动照片"),
        ("returned", "resubmitted", "contractor_a", ""),
        ("resubmitted", "approved", "county_a_admin", ""),
    ]


@pytest.mark.parametrize(
    ("_case", "prepare", "action", "message"),
    [
        ("approve a draft", [], Action.APPROVE, "Only a submitted report can be approved."),
        ("return a draft", [], Action.RETURN, "Only a submitted report can be returned."),
        (
            "submit twice",
            [Action.SUBMIT],
            Action.SUBMIT,
            "This report has already been submitted; it cannot be submitted again.",
        ),
        (
            "approve twice",
            [Action.SUBMIT, Action.APPROVE],
            Action.APPROVE,
            "This report is approved and locked; it can no longer be changed.",
        ),
        (
            "submit an approved report",
            [Action.SUBMIT, Action.APPROVE],
            Action.SUBMIT,
            "This report is approved and locked; it can no longer be changed.",
        ),
    ],
)
def test_illegal_transitions_are_refused(report, actors, _case, prepare, action, message):
    for step in prepare:
        actor = actors.contractor if step == Action.SUBMIT else actors.reviewer
        workflow.report_transition(actor=actor, report_id=report.pk, action=step)
    before = Report.objects.get(pk=report.pk)
    actor = actors.contractor if action == Action.SUBMIT else actors.reviewer

    with pytest.raises(ValidationError) as error:
        workflow.report_transition(actor=actor, report_id=report.pk, action=action, reason="x")

    assert error.value.messages == [message]
    assert error.value.code == "invalid_transition"
    after = Report.objects.get(pk=report.pk)
    assert (after.status, after.version) == (before.status, before.version)
    assert ReportTransition.objects.filter(report=report).count() == len(prepare)


def test_return_without_a_reason_is_refused(report, actors):
    submit(report, actors.contractor)

    with pytest.raises(ValidationError) as error:
        workflow.report_transition(
            actor=actors.reviewer, report_id=report.pk, action=Action.RETURN, reason="  "
        )

    assert error.value.message_dict == {"reason": ["Give the reason for returning the report."]}
    assert Report.objects.get(pk=report.pk).status == "submitted"


@pytest.mark.parametrize(
    ("_case", "prepare", "message"),
    [
        (
            "approved",
            [Action.SUBMIT, Action.APPROVE],
            "This report is approved and locked; it can no longer be changed.",
        ),
        (
            "under review",
            [Action.SUBMIT],
            "This report has been submitted and waits for review; it cannot be changed now.",
        ),
    ],
)
def test_a_report_out_of_the_contractors_hands_cannot_be_edited(
    report, actors, _case, prepare, message
):
    for step in prepare:
        actor = actors.contractor if step == Action.SUBMIT else actors.reviewer
        workflow.report_transition(actor=actor, report_id=report.pk, action=step)

    with pytest.raises(ValidationError) as error:
        workflow.report_update_content(
            actor=actors.contractor, report_id=report.pk, data={"highlights": "改"}
        )

    assert error.value.messages == [message]
    assert Report.objects.get(pk=report.pk).highlights == ""


def test_submitting_twice_gives_one_report_and_a_clear_error(report, actors):
    submit(report, actors.contractor, expected_version=0)

    with pytest.raises(ValidationError) as error:
        submit(report, actors.contractor, expected_version=0)

    assert error.value.message_dict == {
        "version": ["Someone else changed this report in the meantime; reload it and try again."]
    }
    assert (
        Report.objects.filter(contract=report.contract, kind="monthly", period=START).count() == 1
    )
    assert ReportTransition.objects.filter(report=report).count() == 1
    assert Report.objects.get(pk=report.pk).version == 1


def test_two_reviewers_at_once_the_second_is_told_it_is_stale(report, actors):
    submit(report, actors.contractor)
    workflow.report_transition(
        actor=actors.reviewer, report_id=report.pk, action=Action.APPROVE, expected_version=1
    )

    with pytest.raises(ValidationError) as error:
        workflow.report_transition(
            actor=actors.county_admin,
            report_id=report.pk,
            action=Action.RETURN,
            expected_version=1,
            reason="数据有误",
        )

    assert error.value.error_dict["version"][0].message.startswith("Someone else changed")
    after = Report.objects.get(pk=report.pk)
    assert (after.status, after.return_reason) == ("approved", "")


def test_the_same_period_cannot_exist_twice(report):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            contract=report.contract, kind="monthly", period=START, due_date=START
        )
    assert (
        Report.objects.filter(contract=report.contract, period=START, kind="monthly").count() == 1
    )


@pytest.mark.parametrize(
    ("_case", "who", "action"),
    [
        ("contractor approves", "contractor", Action.APPROVE),
        ("other county reviewer", "other_county_admin", Action.APPROVE),
        ("township admin without the county's consent", "township_admin", Action.APPROVE),
        ("viewer", "viewer", Action.APPROVE),
    ],
)
def test_only_the_countys_reviewers_review(report, actors, _case, who, action):
    submit(report, actors.contractor)

    with pytest.raises(ValidationError) as error:
        workflow.report_transition(actor=getattr(actors, who), report_id=report.pk, action=action)

    assert error.value.messages in (
        ["Only the county's reviewers approve or return reports."],
        ["No such report within your reach."],
    )
    assert Report.objects.get(pk=report.pk).status == "submitted"


def test_township_reviewers_review_when_the_county_says_so(report, actors, tree):
    CountyProjectConfig.objects.create(area=tree.county_a, township_reviewers=True)
    report.contract.townships.set([tree.town_a1])
    submit(report, actors.contractor)

    workflow.report_transition(actor=actors.township_admin, report_id=report.pk, action="approve")

    assert Report.objects.get(pk=report.pk).status == "approved"


def test_staff_cannot_submit_for_the_contractor(report, actors):
    with pytest.raises(ValidationError) as error:
        submit(report, actors.county_admin)

    assert error.value.messages == ["Only the contractor's own accounts submit its reports."]
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_another_contractor_cannot_reach_the_report(report, tree):
    from tests.factories import ContractorFactory

    stranger = make_user("other_contractor", area=tree.county_a, role=Role.CONTRACTOR)
    stranger.contractor = ContractorFactory(area=tree.county_a)
    stranger.save()

    with pytest.raises(ValidationError) as error:
        submit(report, stranger)

    assert error.value.message_dict == {"report": ["No such report within your reach."]}
    assert Report.objects.get(pk=report.pk).status == "draft"


@pytest.mark.parametrize(
    ("_case", "submitted_on", "today", "late"),
    [
        ("on the due day", datetime.date(2025, 2, 5), None, 0),
        ("a day late", datetime.date(2025, 2, 6), None, 1),
        ("not yet, before due", None, datetime.date(2025, 2, 4), 0),
        ("missing, ten days after", None, datetime.date(2025, 2, 15), 10),
    ],
)
def test_lateness(report, _case, submitted_on, today, late):
    report.first_submitted_on = submitted_on

    assert report.days_late(today or datetime.date(2030, 1, 1)) == late


def test_completeness_and_timeliness_per_contractor_county_and_month(
    report, actors, django_assert_num_queries
):
    # January on time, February late, March missing; April not yet due.
    Report.objects.filter(pk=report.pk).update(first_submitted_on=datetime.date(2025, 2, 5))
    Report.objects.filter(
        contract=report.contract, kind="monthly", period=datetime.date(2025, 2, 1)
    ).update(first_submitted_on=datetime.date(2025, 3, 9))

    with django_assert_num_queries(2):  # the actor's groups, then the report
        rows = selectors.report_completeness(
            actor=actors.county_admin, today=datetime.date(2025, 4, 6)
        )

    assert [
        (r["period"], r["due"], r["submitted"], r["on_time"], r["late"], r["missing"]) for r in rows
    ] == [
        (datetime.date(2025, 1, 1), 1, 1, 1, 0, 0),
        (datetime.date(2025, 2, 1), 1, 1, 0, 1, 0),
        (datetime.date(2025, 3, 1), 1, 0, 0, 0, 1),
    ]
    assert {r["contract__area__name"] for r in rows} == {"东胜区"}


def test_emails_on_return_and_approve(report, actors, django_capture_on_commit_callbacks):
    actors.contractor.email = "sunshine@example.org"
    actors.contractor.save()
    submit(report, actors.contractor)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.report_transition(
            actor=actors.reviewer, report_id=report.pk, action=Action.RETURN, reason="补充照片"
        )
    submit(report, actors.contractor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.report_transition(actor=actors.reviewer, report_id=report.pk, action="approve")

    assert [m.to for m in mail.outbox] == [["sunshine@example.org"], ["sunshine@example.org"]]
    assert "补充照片" in mail.outbox[0].body
    assert mail.outbox[0].subject == "报告已退回：月度工作简报 2025-01"
    assert mail.outbox[1].subject == "报告已通过：月度工作简报 2025-01"


def test_a_redelivered_notification_sends_nothing_again(
    report, actors, django_capture_on_commit_callbacks
):
    actors.contractor.email = "sunshine@example.org"
    actors.contractor.save()
    submit(report, actors.contractor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.report_transition(actor=actors.reviewer, report_id=report.pk, action="approve")
    approval = ReportTransition.objects.get(report=report, to_status=Report.Status.APPROVED)
    assert approval.notified_at is not None
    assert len(mail.outbox) == 1

    # the queued task delivered a second time (a worker lost before acknowledging it)
    again = tasks.report_notify_task(report.pk, "approve", transition_id=approval.pk)

    assert again == 0
    assert len(mail.outbox) == 1


def test_due_soon_reminders_are_sent_once(report, actors):
    actors.contractor.email = "sunshine@example.org"
    actors.contractor.save()

    first = notifications.report_due_soon_notify(today=datetime.date(2025, 2, 3))
    second = notifications.report_due_soon_notify(today=datetime.date(2025, 2, 4))

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert Report.objects.get(pk=report.pk).due_soon_notified_on == datetime.date(2025, 2, 3)


@pytest.mark.parametrize(
    ("_case", "name", "content", "error"),
    [
        ("png", "活动.png", PNG, None),
        ("pdf", "总结.pdf", b"%PDF-1.7\n", None),
        ("exe", "virus.exe", b"MZ", "Only JPG, PNG, PDF, DOCX and XLSX files can be attached."),
        ("html as png", "x.png", b"<html>", "The file's content does not match its type .png."),
        (
            "too big",
            "big.pdf",
            b"%PDF-" + b"0" * (10 * 1024 * 1024),
            "A file can be at most 10 MB.",
        ),
    ],
)
def test_attachments_are_limited_by_type_and_size(report, actors, _case, name, content, error):
    upload = SimpleUploadedFile(name, content)

    if error is None:
        attachment = workflow.report_attachment_add(
            actor=actors.contractor, report_id=report.pk, upload=upload
        )
        assert (attachment.original_name, attachment.size) == (name, len(content))
        assert attachment.file.read() == content
    else:
        with pytest.raises(ValidationError) as raised:
            workflow.report_attachment_add(
                actor=actors.contractor, report_id=report.pk, upload=upload
            )
        assert raised.value.message_dict == {"file": [error]}
        assert ReportAttachment.objects.count() == 0


def test_services_by_unknown_kind_are_refused(report, actors):
    with pytest.raises(ValidationError) as error:
        workflow.report_update_content(
            actor=actors.contractor,
            report_id=report.pk,
            data={"services_delivered": {"juggling": {"count": 1, "hours": 1}}},
        )

    assert error.value.message_dict == {"services_delivered": ["Unknown service kind “juggling”."]}
    assert Report.objects.get(pk=report.pk).version == 0


def test_volunteer_hours_are_kept_as_decimals(report, actors):
    saved = workflow.report_update_content(
        actor=actors.contractor,
        report_id=report.pk,
        data={"volunteer_hours": Decimal("12.5"), "charity_yuan": Decimal("3000.00")},
    )

    assert Report.objects.get(pk=saved.pk).volunteer_hours == Decimal("12.5")
