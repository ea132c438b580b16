"""Fuzzing the whole API from its OpenAPI schema: no 5xx, and every answer matches the schema.

Schemathesis generates requests for every operation of /api/schema/ (a bounded number of
examples each, so that CI stays quick) and sends them in-process through the WSGI application,
authenticated as a county administrator with a token, over the shared test tree.
"""

import json

from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from config.wsgi import application

# Not in `make test` yet: 293 operations take about 30 minutes on this machine; `make fuzz` runs it.
pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = 3


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Requests go through the real WSGI handler, whose end-of-request handler closes the database
    # connection, and with it the test's transaction (on PostgreSQL). Django's test client
    # disconnects it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(actors) -> str:
    return Token.objects.create(user=actors.county_admin).key


def _load_schema():
    # Built at collection time from the same generator that serves /api/schema/ (no database).
    # The JSON round trip gives plain types, as a client reading /api/schema/ would see them.
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(generated, cls=DjangoJSONEncoder))
    )
    loaded.app = application
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_5xx_or_off_schema(case, tree, token):
    response = case.call_and_validate(
        headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    assert response.status_code < 500
