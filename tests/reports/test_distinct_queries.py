"""The coverage metrics ask for distinct area paths: the models' default ordering must not join
DISTINCT's columns, which turned "the communities served" into "every ledger entry of the year"
(docs/performance.md § "The national data")."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "table"),
    [
        ("community_social_work_coverage", "stations_servicelogentry"),
        ("volunteer_point_coverage", "volunteers_servicepoint"),
    ],
)
def test_a_distinct_paths_query_selects_the_path_alone(key, table, tree):
    metric = metric_by_key()[key]
    root = Tree(tree.city.path)

    with CaptureQueriesContext(connection) as captured:
        metric.compute(root, 2025)

    (query,) = [
        q["sql"] for q in captured if "DISTINCT" in q["sql"] and f'FROM "{table}"' in q["sql"]
    ]
    selected = query.split("DISTINCT", 1)[1].split(" FROM ", 1)[0]
    assert selected.count(",") == 0, selected
    assert "ORDER BY" not in query
