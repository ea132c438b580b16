"""A small workforce on the shared tree: two workers in county A, one in county B."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from talent.models import Certificate, ExamEntry, IncentiveGrant, IncentivePolicy, Worker
from tests.talent.factories import (
    attend,
    make_certificate,
    make_id_number,
    make_registration,
    make_training,
    make_worker,
)


@pytest.fixture
def workforce(tree):
    worker_a = make_worker(
        tree.comm_a1_urban,
        name="王芳",
        id_number=make_id_number(datetime.date(1988, 3, 9), serial=124),
        phone="13912345678",
    )
    worker_a2 = make_worker(
        tree.town_a2,
        name="李强",
        id_number=make_id_number(datetime.date(1992, 11, 30), serial=231),
        post=Worker.Post.STATION_STAFF,
    )
    worker_b = make_worker(
        tree.comm_b1,
        name="赵敏",
        id_number=make_id_number(datetime.date(1995, 1, 2), region="150603", serial=42),
    )
    certificate_a = make_certificate(worker_a, obtained_on=datetime.date(2020, 9, 12))
    registration_a = make_registration(certificate_a, datetime.date(2021, 3, 1))
    certificate_b = make_certificate(
        worker_b, Certificate.Level.INTERMEDIATE, obtained_on=datetime.date(2021, 9, 11)
    )
    registration_b = make_registration(certificate_b, datetime.date(2022, 3, 1))
    training_a = make_training(tree.county_a, held_on=datetime.date(2023, 5, 10), hours=16)
    training_b = make_training(tree.county_b, held_on=datetime.date(2023, 6, 10), hours=8)
    attendance_a = attend(training_a, worker_a)
    attendance_b = attend(training_b, worker_b)
    exam_a = ExamEntry.objects.create(
        worker=worker_a2, year=2024, level=Certificate.Level.ASSISTANT, passed=False
    )
    exam_b = ExamEntry.objects.create(
        worker=worker_b, year=2021, level=Certificate.Level.INTERMEDIATE, passed=True
    )
    policy_city = IncentivePolicy.objects.create(
        area=tree.city,
        name="一次性工作补贴",
        kind=IncentivePolicy.Kind.HIRING_SUBSIDY,
        assistant_amount=Decimal(5000),
        intermediate_amount=Decimal(10000),
        senior_amount=Decimal(20000),
    )
    policy_a = IncentivePolicy.objects.create(
        area=tree.county_a,
        name="东胜区社工人才奖励",
        kind=IncentivePolicy.Kind.AWARD,
        senior_amount=Decimal(50000),
    )
    policy_b = IncentivePolicy.objects.create(
        area=tree.county_b,
        name="康巴什区奖励",
        kind=IncentivePolicy.Kind.AWARD,
        intermediate_amount=Decimal(3000),
    )
    grant_a = IncentiveGrant.objects.create(
        policy=policy_city,
        worker=worker_a,
        level=Certificate.Level.ASSISTANT,
        amount=Decimal(5000),
        granted_on=datetime.date(2022, 1, 5),
    )
    grant_b = IncentiveGrant.objects.create(
        policy=policy_b,
        worker=worker_b,
        level=Certificate.Level.INTERMEDIATE,
        amount=Decimal(3000),
        granted_on=datetime.date(2022, 2, 5),
    )
    return SimpleNamespace(
        worker_a=worker_a,
        worker_a2=worker_a2,
        worker_b=worker_b,
        certificate_a=certificate_a,
        certificate_b=certificate_b,
        registration_a=registration_a,
        registration_b=registration_b,
        training_a=training_a,
        training_b=training_b,
        attendance_a=attendance_a,
        attendance_b=attendance_b,
        exam_a=exam_a,
        exam_b=exam_b,
        policy_city=policy_city,
        policy_a=policy_a,
        policy_b=policy_b,
        grant_a=grant_a,
        grant_b=grant_b,
    )
