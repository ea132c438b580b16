"""The charity API: sources, funds, the ledger (append-only), needs, resources, linkage projects."""

from django.db.models import F, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from charity import exports, selectors
from charity.filters import (
    FundFilter,
    LedgerFilter,
    NeedFilter,
    ProjectFilter,
    ResourceFilter,
    SourceFilter,
)
from charity.models import (
    CharityFund,
    CharitySource,
    InKindDonation,
    LedgerEntry,
    LinkageProject,
    LinkageProjectStatusChange,
    Need,
    PointsRedemption,
    Resource,
)
from charity.services import ledger, lists, sources, supermarket
from orgs.models import CommunityOrg
from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ScopedViewSetMixin
from stations.exports import XLSX_CONTENT_TYPE, xlsx_response
from stations.models import AdminArea, Station
from stations.privacy import shown_id_number, shown_phone
from volunteers.models import Activity, Team, Volunteer


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row by id; rows outside the caller's subtree read as nonexistent."""

    def __init__(self, *, area_field: str = "area", **kwargs):
        self.area_field = area_field
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scope_to_actor(
            super().get_queryset(), actor=getattr(request, "user", None), area_field=self.area_field
        )


class WriteThroughServiceMixin:
    """perform_create/update call `save_service(actor=, instance=, **extra)` with the validated data."""

    # Validated fields handed to the service as keyword arguments instead of set on the instance.
    extra_fields: tuple[str, ...] = ()

    def save_service(self, *, actor, instance, **extra):
        raise NotImplementedError

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        instance = self.get_serializer_class().Meta.model()
        serializer.instance = self._write(instance, data)

    def perform_update(self, serializer):
        serializer.instance = self._write(serializer.instance, dict(serializer.validated_data))

    def _write(self, instance, data: dict):
        extra = {name: data.pop(name) for name in self.extra_fields if name in data}
        for name, value in data.items():
            setattr(instance, name, value)
        return self.save_service(actor=self.request.user, instance=instance, **extra)


class XlsxExportMixin:
    """`GET …/export/`: the filtered list as an Excel file (scoped, masked)."""

    export_columns: list = []
    export_filename = "export"

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): bytes})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return xlsx_response(
            self.export_filename,
            exports.headers(self.export_columns),
            exports.rows(self.export_columns, queryset, actor=request.user),
        )


# Sources -----------------------------------------------------------------------------------------


class CharitySourceSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = CharitySource
        fields = [
            "id",
            "name",
            "kind",
            "area",
            "credit_code",
            "id_number",
            "contact_person",
            "contact_phone",
            "is_active",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        actor = self.context["request"].user
        data["id_number"] = shown_id_number(instance.id_number, actor=actor)
        data["contact_phone"] = shown_phone(instance.contact_phone, actor=actor)
        return data


@extend_schema(tags=["charity"])
class SourceViewSet(
    XlsxExportMixin, WriteThroughServiceMixin, ScopedViewSetMixin, viewsets.ModelViewSet
):
    """Givers of charity resources; ID numbers and phones are masked unless you may see them."""

    queryset = CharitySource.objects.all()
    serializer_class = CharitySourceSerializer
    filterset_class = SourceFilter
    export_columns = exports.SOURCE_COLUMNS
    export_filename = "charity-sources"

    def scoped_queryset(self):
        return self.queryset.select_related("area")

    def save_service(self, *, actor, instance):
        return sources.source_save(actor=actor, source=instance)

    def perform_destroy(self, instance):
        sources.source_delete(actor=self.request.user, source=instance)


# Funds -------------------------------------------------------------------------------------------


class CharityFundSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    holder = ScopedRelatedField(
        queryset=CharitySource.objects.all(), allow_null=True, required=False
    )
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = CharityFund
        fields = [
            "id",
            "name",
            "kind",
            "area",
            "holder",
            "is_restricted",
            "restriction",
            "balance",
            "is_active",
        ]


@extend_schema(tags=["charity"])
class FundViewSet(WriteThroughServiceMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    """Charity funds per area, with their balance (the sum of their ledger)."""

    queryset = CharityFund.objects.all()
    serializer_class = CharityFundSerializer
    filterset_class = FundFilter

    def scoped_queryset(self):
        return self.queryset.select_related("area")

    def save_service(self, *, actor, instance):
        return sources.fund_save(actor=actor, fund=instance)

    def perform_destroy(self, instance):
        sources.fund_delete(actor=self.request.user, fund=instance)

    @extend_schema(
        parameters=[OpenApiParameter("area", OpenApiTypes.STR, required=True)],
        responses=inline_serializer(
            "CharityAreaBalance",
            {
                "area": serializers.CharField(),
                "balance": serializers.DecimalField(max_digits=16, decimal_places=2),
                "stored_balance": serializers.DecimalField(max_digits=16, decimal_places=2),
            },
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def balance(self, request):
        """The balance of every fund held in an area's subtree, summed from the ledger, beside the
        sum of the funds' stored balances (the two always agree)."""
        area = (
            scope_to_actor(AdminArea.objects.all(), actor=request.user, area_field=None)
            .filter(code=request.query_params.get("area", ""))
            .first()
        )
        if area is None:
            raise NotFound(_("No such area within your reach."))
        stored = CharityFund.objects.filter(area__path__startswith=area.path).aggregate(
            total=Sum("balance")
        )["total"]
        return Response(
            {
                "area": area.code,
                "balance": f"{selectors.area_ledger_balance(area=area):.2f}",
                "stored_balance": f"{stored or 0:.2f}",
            }
        )

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): bytes})
    @action(detail=True, methods=["get"], url_path="ledger-export")
    def ledger_export(self, request, pk=None):
        """The fund's whole ledger as an Excel file, oldest first."""
        fund = self.get_object()
        entries = (
            selectors.ledger_list(actor=request.user).filter(fund=fund).order_by("booked_on", "pk")
        )
        return xlsx_response(
            f"ledger-{fund.pk}",
            exports.headers(exports.LEDGER_COLUMNS),
            exports.rows(exports.LEDGER_COLUMNS, entries, actor=request.user),
        )


# Ledger ------------------------------------------------------------------------------------------


class LedgerEntryOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    fund_name = serializers.CharField(source="fund.name")
    donor_name = serializers.SerializerMethodField()
    reversed_by = serializers.IntegerField(source="reversed_by_id", allow_null=True)
    booked_by = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "fund",
            "fund_name",
            "area",
            "kind",
            "direction",
            "amount",
            "booked_on",
            "receipt_number",
            "donor",
            "donor_name",
            "purpose",
            "target_kind",
            "linkage_project",
            "need",
            "activity",
            "counterpart",
            "reverses",
            "reversed_by",
            "memo",
            "booked_by",
            "booked_at",
        ]
        read_only_fields = fields

    def get_donor_name(self, entry) -> str:
        return entry.donor.name if entry.donor_id else ""

    def get_booked_by(self, entry) -> str:
        return entry.booked_by.username if entry.booked_by_id else ""


class LedgerEntryInputSerializer(serializers.Serializer):
    """One booking; which fields count depends on `kind`, and the service checks them."""

    KINDS = [
        ("donation", _("Donation")),
        ("disbursement", _("Disbursement")),
        ("transfer", _("Transfer")),
        ("reversal", _("Reversal")),
    ]

    kind = serializers.ChoiceField(choices=KINDS)
    fund = ScopedRelatedField(queryset=CharityFund.objects.all(), required=False, allow_null=True)
    to_fund = ScopedRelatedField(
        queryset=CharityFund.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    booked_on = serializers.DateField(required=False)
    donor = ScopedRelatedField(
        queryset=CharitySource.objects.all(), required=False, allow_null=True
    )
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=200)
    target_kind = serializers.ChoiceField(
        choices=LedgerEntry.TargetKind.choices, required=False, allow_blank=True
    )
    linkage_project = ScopedRelatedField(
        queryset=LinkageProject.objects.all(), required=False, allow_null=True
    )
    need = ScopedRelatedField(queryset=Need.objects.all(), required=False, allow_null=True)
    activity = ScopedRelatedField(queryset=Activity.objects.all(), required=False, allow_null=True)
    reverses = ScopedRelatedField(
        queryset=LedgerEntry.objects.all(), required=False, allow_null=True
    )
    memo = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate(self, attrs):
        required = {
            "donation": ["fund", "donor", "amount", "booked_on"],
            "disbursement": ["fund", "amount", "booked_on", "target_kind"],
            "transfer": ["fund", "to_fund", "amount", "booked_on"],
            "reversal": ["reverses", "memo"],
        }[attrs["kind"]]
        missing = {
            name: [_("This field is required for this kind of entry.")]
            for name in required
            if attrs.get(name) in (None, "")
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


@extend_schema(tags=["charity"])
class LedgerEntryViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The ledger: read it, or POST a booking. Entries are never changed or deleted; a mistake
    is corrected by POSTing a reversal."""

    queryset = LedgerEntry.objects.all()
    filterset_class = LedgerFilter

    def scoped_queryset(self):
        return self.queryset.select_related("fund", "area", "donor", "booked_by").annotate(
            reversed_by_id=F("reversed_by__pk")
        )

    def get_serializer_class(self):
        if self.action == "create":
            return LedgerEntryInputSerializer
        return LedgerEntryOutputSerializer

    @extend_schema(
        request=LedgerEntryInputSerializer,
        responses={
            201: inline_serializer(
                "LedgerBooking", {"entries": LedgerEntryOutputSerializer(many=True)}
            )
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entries = self._book(dict(serializer.validated_data))
        booked = self.get_queryset().filter(pk__in=[entry.pk for entry in entries]).order_by("pk")
        output = LedgerEntryOutputSerializer(
            booked, many=True, context=self.get_serializer_context()
        )
        return Response({"entries": output.data}, status=status.HTTP_201_CREATED)

    def _book(self, data: dict) -> list[LedgerEntry]:
        actor = self.request.user
        kind = data["kind"]
        if kind == "donation":
            return [
                ledger.donation_book(
                    actor=actor,
                    fund=data["fund"],
                    donor=data["donor"],
                    amount=data["amount"],
                    booked_on=data["booked_on"],
                    purpose=data.get("purpose", ""),
                    memo=data.get("memo", ""),
                )
            ]
        if kind == "disbursement":
            return [
                ledger.disbursement_book(
                    actor=actor,
                    fund=data["fund"],
                    amount=data["amount"],
                    booked_on=data["booked_on"],
                    target_kind=data["target_kind"],
                    linkage_project=data.get("linkage_project"),
                    need=data.get("need"),
                    activity=data.get("activity"),
                    purpose=data.get("purpose", ""),
                    memo=data.get("memo", ""),
                )
            ]
        if kind == "transfer":
            return list(
                ledger.transfer_book(
                    actor=actor,
                    from_fund=data["fund"],
                    to_fund=data["to_fund"],
                    amount=data["amount"],
                    booked_on=data["booked_on"],
                    memo=data.get("memo", ""),
                )
            )
        return ledger.entry_reverse(
            actor=actor,
            entry=data["reverses"],
            reason=data["memo"],
            booked_on=data.get("booked_on"),
        )


# Needs -------------------------------------------------------------------------------------------


class NeedSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = Need
        fields = [
            "id",
            "area",
            "title",
            "group",
            "help_kind",
            "description",
            "people_affected",
            "urgency",
            "source",
            "surveyed_on",
            "status",
            "updated_at",
        ]
        read_only_fields = ["status", "updated_at"]


class CharityTransitionSerializer(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ResourceSuggestionSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    distance = serializers.IntegerField()
    tags = serializers.ListField(source="tag_list", child=serializers.CharField())

    class Meta:
        model = Resource
        fields = ["id", "name", "kind", "area", "area_name", "distance", "tags", "description"]
        read_only_fields = fields


@extend_schema(tags=["charity"])
class NeedViewSet(
    XlsxExportMixin, WriteThroughServiceMixin, ScopedViewSetMixin, viewsets.ModelViewSet
):
    """The needs list (需求清单) of the communities in reach."""

    queryset = Need.objects.all()
    serializer_class = NeedSerializer
    filterset_class = NeedFilter
    export_columns = exports.NEED_COLUMNS
    export_filename = "needs"

    def scoped_queryset(self):
        return self.queryset.select_related("area")

    def save_service(self, *, actor, instance):
        return lists.need_save(actor=actor, need=instance)

    def perform_destroy(self, instance):
        lists.need_delete(actor=self.request.user, need=instance)

    @extend_schema(responses=ResourceSuggestionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggestions(self, request, pk=None):
        """Available resources giving the help an open need asks for, nearest first; a need
        that is no longer open is a 400."""
        need = self.get_object()
        if need.status != Need.Status.OPEN:
            raise serializers.ValidationError(
                {
                    "status": [
                        gettext(
                            "Resources are suggested for open needs only; this need is "
                            "“%(status)s”."
                        )
                        % {"status": need.get_status_display()}
                    ]
                },
                code="need_not_open",
            )
        resources = selectors.need_suggestions(actor=request.user, need=need)
        return Response(ResourceSuggestionSerializer(resources, many=True).data)

    @extend_schema(request=CharityTransitionSerializer, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Moves the need to another status (open, matched, in_service, closed)."""
        need = self.get_object()
        serializer = CharityTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = lists.need_transition(
            actor=request.user, need=need, status=serializer.validated_data["status"]
        )
        return Response(NeedSerializer(need, context=self.get_serializer_context()).data)


# Resources ---------------------------------------------------------------------------------------


class ResourceSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    fund = ScopedRelatedField(queryset=CharityFund.objects.all(), allow_null=True, required=False)
    source = ScopedRelatedField(
        queryset=CharitySource.objects.all(), allow_null=True, required=False
    )
    organisation = ScopedRelatedField(
        queryset=CommunityOrg.objects.all(), area_field="community", allow_null=True, required=False
    )
    team = ScopedRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    tags = serializers.ListField(
        source="tag_list",
        child=serializers.CharField(max_length=40),
        required=False,
        help_text=_("Codes of the groups served and the kinds of help given, e.g. care."),
    )

    class Meta:
        model = Resource
        fields = [
            "id",
            "name",
            "kind",
            "area",
            "fund",
            "source",
            "organisation",
            "team",
            "description",
            "tags",
            "is_available",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


@extend_schema(tags=["charity"])
class ResourceViewSet(
    XlsxExportMixin, WriteThroughServiceMixin, ScopedViewSetMixin, viewsets.ModelViewSet
):
    """The resources list (资源清单): what teams, organisations, funds and companies offer."""

    queryset = Resource.objects.all()
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilter
    export_columns = exports.RESOURCE_COLUMNS
    export_filename = "resources"
    extra_fields = ("tag_list",)

    def scoped_queryset(self):
        return self.queryset.select_related("area", "fund", "source")

    def save_service(self, *, actor, instance, tag_list=None):
        return lists.resource_save(actor=actor, resource=instance, tags=tag_list)

    def perform_destroy(self, instance):
        lists.resource_delete(actor=self.request.user, resource=instance)


# Linkage projects --------------------------------------------------------------------------------


class LinkageProjectStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LinkageProjectStatusChange
        fields = ["from_status", "to_status", "note", "changed_at"]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    owner_station = ScopedRelatedField(
        queryset=Station.objects.all(), allow_null=True, required=False
    )
    owner_organisation = ScopedRelatedField(
        queryset=CommunityOrg.objects.all(), area_field="community", allow_null=True, required=False
    )
    owner_team = ScopedRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    needs = ScopedRelatedField(queryset=Need.objects.all(), many=True, required=False)
    resources = ScopedRelatedField(queryset=Resource.objects.all(), many=True, required=False)
    history = LinkageProjectStatusChangeSerializer(
        source="status_changes", many=True, read_only=True
    )

    class Meta:
        model = LinkageProject
        fields = [
            "id",
            "name",
            "area",
            "owner_kind",
            "owner_station",
            "owner_organisation",
            "owner_team",
            "owner_name",
            "needs",
            "resources",
            "plan",
            "budget",
            "starts_on",
            "ends_on",
            "status",
            "history",
            "updated_at",
        ]
        read_only_fields = ["owner_name", "status", "updated_at"]


@extend_schema(tags=["charity"])
class LinkageProjectViewSet(
    XlsxExportMixin, WriteThroughServiceMixin, ScopedViewSetMixin, viewsets.ModelViewSet
):
    """The project list (项目清单): projects linking needs to resources, with their history."""

    queryset = LinkageProject.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    export_columns = exports.PROJECT_COLUMNS
    export_filename = "linkage-projects"
    extra_fields = ("needs", "resources")

    def scoped_queryset(self):
        return self.queryset.select_related("area").prefetch_related(
            "needs", "resources", "status_changes"
        )

    def save_service(self, *, actor, instance, needs=None, resources=None):
        return lists.project_save(actor=actor, project=instance, needs=needs, resources=resources)

    def perform_destroy(self, instance):
        lists.project_delete(actor=self.request.user, project=instance)

    @extend_schema(request=CharityTransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Moves the project to another status (open, matched, in_service, done)."""
        project = self.get_object()
        serializer = CharityTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = lists.project_transition(
            actor=request.user,
            project=project,
            status=serializer.validated_data["status"],
            note=serializer.validated_data.get("note", ""),
        )
        project = self.get_queryset().get(pk=project.pk)
        return Response(ProjectSerializer(project, context=self.get_serializer_context()).data)


# Charity supermarkets ----------------------------------------------------------------------------


class CharityItemSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class InKindDonationSerializer(serializers.ModelSerializer):
    supermarket = ScopedRelatedField(queryset=CharitySource.objects.all())
    donor = ScopedRelatedField(queryset=CharitySource.objects.all())
    area = serializers.CharField(source="area.code", read_only=True)
    items = CharityItemSerializer(many=True)

    class Meta:
        model = InKindDonation
        fields = ["id", "supermarket", "donor", "area", "received_on", "note", "items"]


@extend_schema(tags=["charity"])
class InKindDonationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Goods given to charity supermarkets, with their items and values; recorded, not edited."""

    queryset = InKindDonation.objects.all()
    serializer_class = InKindDonationSerializer

    def scoped_queryset(self):
        return self.queryset.select_related("area").prefetch_related("items")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = supermarket.in_kind_record(
            actor=self.request.user,
            supermarket=data["supermarket"],
            donor=data["donor"],
            received_on=data["received_on"],
            note=data.get("note", ""),
            items=[(i["description"], i["quantity"], i["value"]) for i in data["items"]],
        )


class PointsRedemptionSerializer(serializers.ModelSerializer):
    supermarket = ScopedRelatedField(queryset=CharitySource.objects.all())
    volunteer = ScopedRelatedField(queryset=Volunteer.objects.all())
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    area = serializers.CharField(source="area.code", read_only=True)
    items = CharityItemSerializer(many=True)

    class Meta:
        model = PointsRedemption
        fields = [
            "id",
            "supermarket",
            "area",
            "volunteer",
            "volunteer_name",
            "points",
            "redeemed_on",
            "reference",
            "items",
        ]
        read_only_fields = ["reference"]


@extend_schema(tags=["charity"])
class PointsRedemptionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Volunteer points spent at charity supermarkets: the points leave the volunteer's ledger."""

    queryset = PointsRedemption.objects.all()
    serializer_class = PointsRedemptionSerializer

    def scoped_queryset(self):
        return self.queryset.select_related("area", "volunteer").prefetch_related("items")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = supermarket.points_redeem(
            actor=self.request.user,
            supermarket=data["supermarket"],
            volunteer=data["volunteer"],
            points=data["points"],
            redeemed_on=data["redeemed_on"],
            items=[(i["description"], i["quantity"], i["value"]) for i in data["items"]],
        )
