"""Every viewset of the API, read from the apps' routers, and every admin of the platform's apps:
the generated permission matrix and the query-count guards both walk these lists, so a new
endpoint or admin page is covered by both."""

import importlib
from types import SimpleNamespace

from django.contrib import admin

from config.urls import API_APPS

ROW_ACTIONS = ("list", "retrieve", "create", "partial_update", "destroy")


def _area_field(viewset) -> str | None:
    value = getattr(viewset, "area_field", "area")
    if isinstance(value, property):
        # Report viewsets choose per user (township reviewers reach by the landing township);
        # staff accounts of the test worlds are scoped by the contract's county.
        return "contract__area"
    return value


def api_endpoints() -> list[SimpleNamespace]:
    found = []
    for app in API_APPS:
        for prefix, viewset, basename in importlib.import_module(f"{app}.urls").router.registry:
            extra = viewset.get_extra_actions()
            found.append(
                SimpleNamespace(
                    id=f"{app}:{prefix}",
                    prefix=prefix,
                    viewset=viewset,
                    basename=basename,
                    model=viewset.queryset.model,
                    area_field=_area_field(viewset),
                    lookup=getattr(viewset, "lookup_field", "pk"),
                    actions={name for name in ROW_ACTIONS if hasattr(viewset, name)},
                    has_list=hasattr(viewset, "list"),
                    detail_actions=[action for action in extra if action.detail],
                    collection_actions=sorted(
                        action.url_path for action in extra if not action.detail
                    ),
                )
            )
    return found


def admin_models() -> list:
    """The models of the platform's apps registered in the admin, by label."""
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in API_APPS),
        key=lambda model: model._meta.label_lower,
    )
