"""API building blocks shared by every app: scoped viewsets, permissions, pagination, errors, tokens."""

from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from auditlog.context import auditlog_value
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from stations.access import ReachForm, reach_form, scope_to_actor
from stations.areas import code_range_q
from stations.models import AdminArea


def _record_api_actor(request) -> None:
    """Tells the audit log who acts: its middleware runs before DRF authenticates a token."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if request.user and request.user.is_authenticated and context.get("actor") is None:
        context["actor"] = request.user


class ChoiceLabelField(serializers.CharField):
    """The label of a stored choice in the request's language, read-only.

    What `source="get_<field>_display"` gives, without its cost on every row: Django rebuilds the
    field's choices into a dict at each call and DRF inspects the method's signature at each row
    (together 7 ms of CPU for a page of 50 organisations).
    """

    def __init__(self, *, choices=None, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        # Without `choices`, those of the model field named by `source` (read when bound), so
        # that the labels cannot drift from the model's.
        self.labels = dict(choices) if choices is not None else None
        self._translated = {}  # language: {value: label}; a field instance serves one response

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        if self.labels is None:
            model = parent.Meta.model
            for name in self.source_attrs[:-1]:
                model = model._meta.get_field(name).related_model
            self.labels = dict(model._meta.get_field(self.source_attrs[-1]).flatchoices)

    def to_representation(self, value):
        language = get_language()
        labels = self._translated.get(language)
        if labels is None:
            labels = self._translated[language] = {k: str(v) for k, v in self.labels.items()}
        return labels.get(value, str(value))


class ScopedViewSetMixin:
    """Applies the caller's area scope to every queryset; out-of-scope objects are 404.

    Subclasses narrow or annotate with `scoped_queryset()`; overriding `get_queryset` is refused at
    class creation, so that no viewset can forget the scope.
    """

    area_field: str | tuple[str, ...] | None = "area"
    # True for a list ordered by the code of its `area_field` (organisations by community code):
    # its page is then read within the code range of the reader's root (or of `?within=`), which
    # PostgreSQL walks on the code index from there, instead of from the first code of the country.
    ordered_by_area_code = False
    # True to read a page as its ids, then its rows by id (`api_policies.page_rows_by_id`): for
    # a list whose order is not its scope's, which PostgreSQL would otherwise sort whole rows of.
    page_by_ids = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); override scoped_queryset() instead."
            )

    def scoped_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return scope_to_actor(
            self.scoped_queryset(), actor=self.request.user, area_field=self.area_field
        )

    def page_rows(self, queryset):
        """The page's rows: `queryset` under the code range of the deepest area it is known to
        lie in, or None when there is none (see `ordered_by_area_code`).

        The range adds no row and drops none (`stations.areas.code_range_q`), so the count is
        still taken on `queryset` (the pagination's), whose estimate the range would spoil.
        Cost: one query by code for `?within=`, none otherwise.
        """
        if not self.ordered_by_area_code:
            return None
        user = self.request.user
        if getattr(user, "admin_area_id", None) is None or user.is_superuser:
            areas = []
        else:
            areas = [user.admin_area]
        within = self.request.query_params.get("within")
        if within and len(within) == 12:
            areas += AdminArea.objects.filter(code=within).only("code", "level")[:1]
        if not areas:
            return None
        deepest = max(areas, key=lambda area: area.level)
        return queryset.filter(code_range_q(deepest, field=self.area_field or ""))

    def counted_rows(self):
        """The list again in the form it is counted and estimated in: a reach through several
        area paths (a worker's own and linked areas) as the UNION the planner estimates
        (`stations.access.reach_form`); None when the list's own form does as well.
        Cost: no query beyond the filters' own (`?within=` reads its area by code once more).
        """
        return self._rows_in(ReachForm.UNION)

    def probe_rows(self):
        """Some of the list's rows, none twice, read from one area index: those of the first
        area path alone (a worker's own area). More than the count limit of them tells a long
        list without counting the whole reach. None for a reach through one path."""
        return self._rows_in(ReachForm.OWN)

    def _rows_in(self, form):
        if not isinstance(self.area_field, tuple):
            return None
        with reach_form(form):
            return self.filter_queryset(self.get_queryset())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _record_api_actor(request)


def exception_handler(exc, context):
    """Maps Django's own errors to API answers, so that a rule broken in a service is a 400, not a 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = exceptions.ValidationError(
            detail={"detail": [_("Other records still refer to this one; it cannot be deleted.")]}
        )
    elif isinstance(exc, OverflowError | DataError):
        # A number in the query beyond what the database stores (an id of 10**300, say) is bad
        # input, not a server fault; PostgreSQL also aborted the transaction, so roll it back.
        response = Response(
            {"detail": _("A number in the request is out of range.")},
            status=status.HTTP_400_BAD_REQUEST,
        )
        set_rollback()
        return response
    elif isinstance(exc, IntegrityError):
        response = Response(
            {"detail": _("The change conflicts with another record; reload and try again.")},
            status=status.HTTP_409_CONFLICT,
        )
        set_rollback()
        return response
    if context.get("request") is not None and not isinstance(exc, exceptions.Throttled):
        _record_api_actor(context["request"])
    return drf_exception_handler(exc, context)


def _login_exception_handler(exc, context):
    """Answers login errors without rolling back: the failure counter must be kept."""
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return exception_handler(exc, context)
    headers = {"Retry-After": str(int(exc.wait))} if getattr(exc, "wait", None) else {}
    data = exc.detail if isinstance(exc.detail, list | dict) else {"detail": exc.detail}
    return Response(data, status=exc.status_code, headers=headers)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TokenView(ObtainAuthToken):
    """POST username and password for a token; DELETE (authenticated by the token) revokes it.

    Not one transaction: a failed login answers 400, and the lock-out counter it wrote must stay.
    """

    throttle_scope = "auth"
    throttle_classes = [ScopedRateThrottle]
    permission_classes = [permissions.AllowAny]

    def get_exception_handler(self):
        return _login_exception_handler

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        # A token is a login: the audit trail (django-axes' access log) and last_login record it
        # as they do an admin or portal login.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        authenticated = TokenAuthentication().authenticate(request)
        if authenticated is None:
            raise exceptions.NotAuthenticated()
        Token.objects.filter(key=authenticated[1].key).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
