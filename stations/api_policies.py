"""Default permission and pagination classes of the API (named in settings.REST_FRAMEWORK).

Kept apart from stations.api_base: rest_framework.views reads these settings when it is imported.
"""

from rest_framework import permissions
from rest_framework.pagination import PageNumberPagination


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, with the view permission required for reads too."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
