import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import django_filters

from stations.filters import WithinFilter
from talent.models import (
    WORKER_REACH,
    Certificate,
    ExamEntry,
    IncentiveGrant,
    IncentivePolicy,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
    WorkerAreaLink,
    worker_reach,
)
from talent.qualifications import professional_staff_condition, social_work_qualification_condition
from talent.selectors import EXPIRING_DAYS, expiring_registration_condition


def _condition_filter(qs, condition, value: bool | None):
    if value is None:
        return qs
    return qs.filter(condition) if value else qs.filter(~condition)


class WorkerFilter(django_filters.FilterSet):
    # A person linked to an area serves it: they are listed under it as under their own area.
    area = django_filters.CharFilter(method="filter_area", label=_("area code"))
    within = WithinFilter(area_field=WORKER_REACH)
    level = django_filters.ChoiceFilter(
        choices=Certificate.Level.choices,
        method="filter_level",
        label=_("holds a certificate of this level"),
    )
    post = django_filters.ChoiceFilter(choices=Worker.Post.choices)
    education = django_filters.ChoiceFilter(choices=Worker.Education.choices)
    major = django_filters.ChoiceFilter(choices=Worker.Major.choices)
    employer_kind = django_filters.ChoiceFilter(choices=Worker.EmployerKind.choices)
    active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))
    professional_staff = django_filters.BooleanFilter(
        method="filter_professional_staff", label=_("professional staff (Beijing rule), today")
    )
    social_work_qualified = django_filters.BooleanFilter(
        method="filter_social_work_qualified",
        label=_("social-work qualification (Jinan rule), today"),
    )
    qualified = django_filters.BooleanFilter(
        method="filter_qualified", label=_("meets either qualification rule, today")
    )
    registration_expiring = django_filters.BooleanFilter(
        method="filter_registration_expiring",
        label=_("has a registration ending within 90 days"),
    )
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("name contains")
    )

    class Meta:
        model = Worker
        fields = [
            "area",
            "within",
            "level",
            "post",
            "education",
            "major",
            "employer_kind",
            "active",
            "professional_staff",
            "social_work_qualified",
            "qualified",
            "registration_expiring",
            "search",
        ]

    def filter_area(self, qs, name, value):
        linked = WorkerAreaLink.objects.filter(worker=OuterRef("pk"), area__code=value)
        return qs.filter(Q(area__code=value) | Exists(linked))

    def filter_level(self, qs, name, value):
        return qs.filter(Exists(Certificate.objects.filter(worker=OuterRef("pk"), level=value)))

    def filter_professional_staff(self, qs, name, value):
        return _condition_filter(qs, professional_staff_condition(), value)

    def filter_social_work_qualified(self, qs, name, value):
        return _condition_filter(qs, social_work_qualification_condition(), value)

    def filter_qualified(self, qs, name, value):
        condition = professional_staff_condition() | social_work_qualification_condition()
        return _condition_filter(qs, condition, value)

    def filter_registration_expiring(self, qs, name, value):
        return _condition_filter(qs, expiring_registration_condition(), value)


class CertificateFilter(django_filters.FilterSet):
    worker = django_filters.NumberFilter(field_name="worker_id")
    level = django_filters.ChoiceFilter(choices=Certificate.Level.choices)
    area = django_filters.CharFilter(field_name="worker__area__code", label=_("area code"))
    within = WithinFilter(area_field=worker_reach("worker__"))
    registration_expiring = django_filters.BooleanFilter(
        method="filter_registration_expiring",
        label=_("has a registration ending within 90 days"),
    )

    class Meta:
        model = Certificate
        fields = ["worker", "level", "area", "within", "registration_expiring"]

    def filter_registration_expiring(self, qs, name, value):
        today = timezone.localdate()
        expiring = Registration.objects.filter(
            certificate=OuterRef("pk"),
            status=Registration.Status.REGISTERED,
            starts_on__lte=today,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
        )
        return _condition_filter(qs, Exists(expiring), value)


class RegistrationFilter(django_filters.FilterSet):
    certificate = django_filters.NumberFilter(field_name="certificate_id")
    worker = django_filters.NumberFilter(field_name="certificate__worker_id")
    status = django_filters.ChoiceFilter(choices=Registration.Status.choices)
    ends_before = django_filters.DateFilter(field_name="ends_on", lookup_expr="lte")
    ends_after = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte")
    within = WithinFilter(area_field=worker_reach("certificate__worker__"))
    education_hours_met = django_filters.BooleanFilter(
        label=_("continuing-education hours met in the period")
    )

    class Meta:
        model = Registration
        fields = [
            "certificate",
            "worker",
            "status",
            "ends_before",
            "ends_after",
            "within",
            "education_hours_met",
        ]


class TrainingFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")
    search = django_filters.CharFilter(
        field_name="topic", lookup_expr="icontains", label=_("topic contains")
    )

    class Meta:
        model = Training
        fields = ["area", "within", "held_after", "held_before", "search"]


class AttendanceFilter(django_filters.FilterSet):
    training = django_filters.NumberFilter(field_name="training_id")
    worker = django_filters.NumberFilter(field_name="worker_id")
    within = WithinFilter(area_field=worker_reach("worker__"))

    class Meta:
        model = TrainingAttendance
        fields = ["training", "worker", "within"]


class ExamEntryFilter(django_filters.FilterSet):
    worker = django_filters.NumberFilter(field_name="worker_id")
    year = django_filters.NumberFilter()
    level = django_filters.ChoiceFilter(choices=Certificate.Level.choices)
    passed = django_filters.BooleanFilter()
    within = WithinFilter(area_field=worker_reach("worker__"))

    class Meta:
        model = ExamEntry
        fields = ["worker", "year", "level", "passed", "within"]


class PolicyFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    kind = django_filters.ChoiceFilter(choices=IncentivePolicy.Kind.choices)

    class Meta:
        model = IncentivePolicy
        fields = ["area", "within", "kind"]


class GrantFilter(django_filters.FilterSet):
    policy = django_filters.NumberFilter(field_name="policy_id")
    worker = django_filters.NumberFilter(field_name="worker_id")
    is_paid = django_filters.BooleanFilter()
    # Grants to the people serving the area: kept there or linked to it.
    within = WithinFilter(area_field=worker_reach("worker__"))

    class Meta:
        model = IncentiveGrant
        fields = ["policy", "worker", "is_paid", "within"]
