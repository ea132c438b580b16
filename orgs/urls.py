from rest_framework.routers import SimpleRouter

from orgs.api import (
    ActivityReportViewSet,
    ApplicationViewSet,
    BrandProjectViewSet,
    ContestViewSet,
    EvaluationViewSet,
    FederationViewSet,
    IncubatorViewSet,
    ObservationPointViewSet,
    OrgViewSet,
)

router = SimpleRouter()
router.register("orgs", OrgViewSet, basename="org")
router.register("federations", FederationViewSet, basename="federation")
router.register("incubators", IncubatorViewSet, basename="incubator")
router.register("observation-points", ObservationPointViewSet, basename="observation-point")
router.register("contests", ContestViewSet, basename="contest")
router.register("contest-applications", ApplicationViewSet, basename="contest-application")
router.register("brand-projects", BrandProjectViewSet, basename="brand-project")
router.register("activity-reports", ActivityReportViewSet, basename="activity-report")
router.register("evaluations", EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
