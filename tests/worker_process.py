"""What the tests that start a real Celery worker process share (they are marked `worker`)."""

import os

from django.db import connection

import pytest

BROKER = os.environ.get("CELERY_BROKER_URL", "")

WORKER_MARKS = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not BROKER.startswith("redis"), reason="needs CELERY_BROKER_URL=redis://… (CI sets it)"
    ),
]


def shared_database_url() -> str:
    """The test database's URL for the worker process; skips the test where it cannot be shared."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share: DATABASE_URL=postgres://…")
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
