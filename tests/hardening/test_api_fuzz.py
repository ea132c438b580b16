"""Fuzzing the whole API from its OpenAPI schema: no 5xx, and every answer matches the schema.

Schemathesis generates requests for every operation of /api/schema/ and sends them in-process
through the WSGI application, authenticated as a county administrator with a token, over a small
area tree built once for the module (rolled back at its end).

`make test` runs it bounded: FUZZ_EXAMPLES (default 1) generated example per operation, the
schema's own examples, no coverage phase (it enumerates every boundary value of every parameter,
which is what made a run take half an hour) and no stateful phase. `make fuzz` is the long run:
more examples and the coverage phase (FUZZ_EXAMPLES, FUZZ_PHASES).
"""

import json
import os
from types import SimpleNamespace

from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, transaction

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
from stations.models import AdminArea
from tests.factories import make_area, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "1"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
Level = AdminArea.Level


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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """A city with two counties and a county administrator's token, made once for the module."""
    from django.apps import apps as django_apps

    from stations.roles import Role, sync_roles

    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test before this module flushes the groups of the data migrations.
        sync_roles(django_apps)
        city = make_area("150600000000", "鄂尔多斯市", Level.CITY)
        county = make_area("150602000000", "东胜区", Level.COUNTY, city)
        township = make_area("150602001000", "交通街道", Level.TOWNSHIP, county)
        make_area("150602001001", "巴音孟克社区", Level.COMMUNITY, township)
        other = make_area("150603000000", "康巴什区", Level.COUNTY, city)
        make_area("150603001000", "哈巴格希街道", Level.TOWNSHIP, other)
        admin = make_user("fuzz_county_admin", area=county, role=Role.ADMINISTRATOR)
        yield SimpleNamespace(token=Token.objects.create(user=admin).key)
        transaction.set_rollback(True)


def _load_schema():
    # Built at collection time from the same generator that serves /api/schema/ (no database).
    # The JSON round trip gives plain types, as a client reading /api/schema/ would see them.
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(generated, cls=DjangoJSONEncoder))
    )
    loaded.config.phases.update(phases=PHASES)
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
def test_no_operation_answers_5xx_or_off_schema(case, world):
    response = case.call_and_validate(
        headers={"Authorization": f"Token {world.token}", "Accept-Language": "en"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    assert response.status_code < 500
