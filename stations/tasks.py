"""Celery tasks of the area tree."""

from celery import shared_task

from stations.models import AdminArea
from stations.selectors import area_population


@shared_task
def area_population_task(area_code: str, year: int) -> dict:
    """The rolled-up population of an area for a year (used by report jobs and integrations)."""
    area = AdminArea.objects.get(code=area_code)
    figure = area_population(area=area, year=year)
    return {"code": area_code, "year": year, "population": figure.value, "source": figure.source}
