"""Answers a database failure with a clear 503 instead of a server error page."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Turns a lost or failing database connection during a request into a 503 with a message.

    ATOMIC_REQUESTS has rolled the request's writes back by the time the exception gets here,
    so the message can say that nothing was saved. Errors of the request itself (a constraint,
    bad data) are not caught: they are IntegrityError/DataError, mapped where they arise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.exception("Database failure during %s %s", request.method, request.path)
        message = _("The database did not answer; nothing was saved. Please try again shortly.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(
                f'<!doctype html><html lang="{escape(request.LANGUAGE_CODE)}"><meta charset="utf-8">'
                f"<title>503</title><p>{escape(message)}</p></html>",
                status=503,
            )
        response["Retry-After"] = "30"
        return response
