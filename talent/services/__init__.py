"""Writes to the workforce registry. Each service checks scope, validates, then saves.

One record per person: see `talent.services.workers` for the rule applied when a person is
already registered in another area.
"""

from talent.services.common import FIRST_EXAM_YEAR
from talent.services.incentives import (
    grant_delete,
    grant_save,
    grant_validate,
    highest_level_on,
    policy_delete,
    policy_save,
)
from talent.services.records import (
    attendance_delete,
    attendance_save,
    attendance_validate,
    certificate_delete,
    certificate_save,
    certificate_validate,
    exam_entry_delete,
    exam_entry_save,
    exam_entry_validate,
    registration_delete,
    registration_save,
    registration_validate,
    training_delete,
    training_save,
    training_validate,
)
from talent.services.workers import (
    already_registered_message,
    bureau_area_codes,
    bureau_names,
    normalise_id_number,
    registered_elsewhere_message,
    worker_assert_new_person,
    worker_delete,
    worker_save,
    worker_transfer,
    worker_validate,
)

__all__ = [
    "FIRST_EXAM_YEAR",
    "already_registered_message",
    "attendance_delete",
    "attendance_save",
    "attendance_validate",
    "bureau_area_codes",
    "bureau_names",
    "certificate_delete",
    "certificate_save",
    "certificate_validate",
    "exam_entry_delete",
    "exam_entry_save",
    "exam_entry_validate",
    "grant_delete",
    "grant_save",
    "grant_validate",
    "highest_level_on",
    "normalise_id_number",
    "policy_delete",
    "policy_save",
    "registered_elsewhere_message",
    "registration_delete",
    "registration_save",
    "registration_validate",
    "training_delete",
    "training_save",
    "training_validate",
    "worker_assert_new_person",
    "worker_delete",
    "worker_save",
    "worker_transfer",
    "worker_validate",
]
