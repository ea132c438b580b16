from django.utils.translation import gettext_lazy as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from stations import services
from stations.access import scope_to_actor
from stations.api_base import ChoiceLabelField, ScopedViewSetMixin
from stations.filters import AreaFilter, PopulationFilter
from stations.models import AdminArea, AreaPopulation
from stations.selectors import area_population


class ScopedAreaField(serializers.SlugRelatedField):
    """An area named by its code; codes outside the caller's subtree read as unknown."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", AdminArea.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scope_to_actor(
            super().get_queryset(), actor=getattr(request, "user", None), area_field=None
        )


class AreaOutputSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)
    level_label = ChoiceLabelField(source="level")

    class Meta:
        model = AdminArea
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "parent",
            "urban_rural",
            "urban_rural_code",
            "urban_rural_source",
            "is_virtual",
            "is_placeholder",
            "longitude",
            "latitude",
        ]
        read_only_fields = fields


class AreaInputSerializer(serializers.ModelSerializer):
    parent = ScopedAreaField(allow_null=True, required=False)

    class Meta:
        model = AdminArea
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "urban_rural",
            "is_virtual",
            "is_placeholder",
            "longitude",
            "latitude",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # Codes are identities: other tables and files refer to them.
            fields["code"].read_only = True
        return fields


class PopulationSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = AreaPopulation
        fields = ["id", "area", "year", "population", "source"]


@extend_schema(tags=["areas"])
class AreaViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Administrative areas; `{code}` is the 12-digit statistical code."""

    queryset = AdminArea.objects.all()
    area_field = None
    ordered_by_area_code = True
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"
    filterset_class = AreaFilter

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return AreaInputSerializer
        return AreaOutputSerializer

    def perform_create(self, serializer):
        area = AdminArea(**serializer.validated_data)
        serializer.instance = services.area_save(actor=self.request.user, area=area)

    def perform_update(self, serializer):
        area = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(area, name, value)
        serializer.instance = services.area_save(actor=self.request.user, area=area)

    def perform_destroy(self, instance):
        services.area_delete(actor=self.request.user, area=instance)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, required=True)],
        responses=inline_serializer(
            "AreaPopulationFigure",
            {
                "code": serializers.CharField(),
                "year": serializers.IntegerField(),
                "population": serializers.IntegerField(allow_null=True),
                "source": serializers.CharField(allow_null=True),
            },
        ),
    )
    @action(detail=True, methods=["get"])
    def population(self, request, code=None):
        """The area's population in a year: its own figure, else the sum of its children's."""
        area = self.get_object()
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError:
            raise serializers.ValidationError(
                {"year": [_("Give the year as ?year=YYYY.")]}
            ) from None
        figure = area_population(area=area, year=year)
        return Response(
            {"code": area.code, "year": year, "population": figure.value, "source": figure.source}
        )


@extend_schema(tags=["areas"])
class PopulationViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Population figures per area and year."""

    queryset = AreaPopulation.objects.all()
    serializer_class = PopulationSerializer
    filterset_class = PopulationFilter
    ordered_by_area_code = True

    def scoped_queryset(self):
        return self.queryset.select_related("area")

    def perform_create(self, serializer):
        serializer.instance = services.population_save(
            actor=self.request.user, population=AreaPopulation(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        population = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(population, name, value)
        serializer.instance = services.population_save(
            actor=self.request.user, population=population
        )

    def perform_destroy(self, instance):
        services.population_delete(actor=self.request.user, population=instance)
