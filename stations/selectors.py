"""Reads of areas and populations."""

from django.db.models import QuerySet

from stations.access import scope_to_actor
from stations.areas import PopulationFigure, roll_up_population
from stations.models import AdminArea, AreaPopulation


def area_list(*, actor) -> QuerySet[AdminArea]:
    """The areas the actor reaches."""
    return scope_to_actor(AdminArea.objects.all(), actor=actor, area_field=None)


def area_population(*, area: AdminArea, year: int) -> PopulationFigure:
    """The area's population in `year`: its own figure, else the sum of its children's (recursively).

    Cost: one query over the figures of the subtree for that year.
    """
    figures = (
        AreaPopulation.objects.filter(year=year, area__path__startswith=area.path)
        .order_by("area__path")
        .values_list("area__path", "population")
    )
    return roll_up_population(area.path, figures.iterator(chunk_size=10000))
