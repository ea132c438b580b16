"""Builders for workforce records. ID numbers are synthetic and checksum-valid."""

import datetime
import itertools

from stations.validators import id_number_check_character
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import Certificate, Registration, Training, TrainingAttendance, Worker

_sequence = itertools.count(1)


def make_id_number(
    birth: datetime.date = datetime.date(1990, 5, 17), *, region: str = "150602", serial=None
) -> str:
    """A valid resident ID number; an odd `serial` is a man, an even one a woman."""
    serial = next(_sequence) % 1000 if serial is None else serial
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_number_check_character(first17)


def make_worker(area, *, id_number: str | None = None, **fields) -> Worker:
    id_number = id_number or make_id_number()
    values = {
        "name": "张三",
        "phone": "13912345678",
        "education": Worker.Education.BACHELOR,
        "major": Worker.Major.OTHER,
        "post": Worker.Post.COMMUNITY_WORKER,
        **fields,
    }
    return Worker.objects.create(
        id_number=id_number,
        birth_date=id_number_birth_date(id_number),
        gender=id_number_gender(id_number),
        area=area,
        **values,
    )


_numbers = itertools.count(1)


def make_certificate(worker, level=Certificate.Level.ASSISTANT, obtained_on=None, number=None):
    return Certificate.objects.create(
        worker=worker,
        level=level,
        number=number or f"Z2020{next(_numbers):06d}",
        obtained_on=obtained_on or datetime.date(2020, 6, 21),
    )


def make_registration(certificate, starts_on, ends_on=None, status=Registration.Status.REGISTERED):
    from talent.periods import registration_end

    return Registration.objects.create(
        certificate=certificate,
        starts_on=starts_on,
        ends_on=ends_on or registration_end(starts_on),
        status=status,
    )


def make_training(area, held_on=datetime.date(2024, 5, 10), hours=8, topic=None):
    return Training.objects.create(
        area=area,
        held_on=held_on,
        hours=hours,
        topic=topic or f"培训{next(_numbers)}",
        organiser="市社会工作协会",
    )


def attend(training, worker, hours=None):
    return TrainingAttendance.objects.create(
        training=training, worker=worker, hours=hours if hours is not None else training.hours
    )
