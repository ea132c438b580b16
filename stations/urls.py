from rest_framework.routers import SimpleRouter

from stations.api import AreaViewSet, PopulationViewSet

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("populations", PopulationViewSet, basename="population")

urlpatterns = router.urls

# The service network (issue #3).
from stations import station_api  # noqa: E402

router.register("stations", station_api.StationViewSet, basename="station")
router.register("station-inspections", station_api.InspectionViewSet, basename="station-inspection")
router.register("station-staff", station_api.AssignmentViewSet, basename="station-staff")
router.register("service-logs", station_api.LogEntryViewSet, basename="service-log")
urlpatterns = router.urls
