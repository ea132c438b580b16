from django.http import Http404
from django.utils.translation import gettext_lazy as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from reports import services
from reports.models import ComplianceRun
from reports.selectors import compliance_report
from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ScopedViewSetMixin
from stations.models import AdminArea


class ComplianceQuerySerializer(serializers.Serializer):
    area = serializers.RegexField(r"^\d{12}$")
    year = serializers.IntegerField(min_value=1949, max_value=2100)


@extend_schema(tags=["compliance"])
class ComplianceViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Targets met or not for an area and its children, from the current snapshot."""

    queryset = ComplianceRun.objects.all()
    area_field = "area"

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.STR, required=True, description=_("area code")),
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def list(self, request):
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        areas = scope_to_actor(AdminArea.objects.all(), actor=request.user, area_field=None)
        area = areas.filter(code=query.validated_data["area"]).first()
        if area is None:
            raise Http404
        report = compliance_report(area=area, year=query.validated_data["year"])
        if report is None:
            raise Http404(_("Nothing has been computed for this area and year yet."))
        return Response(report)


class ComplianceRunSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    progress = serializers.FloatField(read_only=True)

    class Meta:
        model = ComplianceRun
        fields = [
            "id",
            "area",
            "year",
            "status",
            "progress",
            "parts_done",
            "parts_total",
            "requested_at",
            "started_at",
            "finished_at",
            "error",
        ]
        read_only_fields = [f for f in fields if f not in ("area", "year")]


@extend_schema(tags=["compliance"])
class ComplianceRunViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Start a compliance run (POST) and follow its progress (GET)."""

    queryset = ComplianceRun.objects.all()
    serializer_class = ComplianceRunSerializer

    def scoped_queryset(self):
        return self.queryset.select_related("area")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.compliance_run_request(
            actor=request.user,
            area=serializer.validated_data["area"],
            year=serializer.validated_data["year"],
        )
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)
