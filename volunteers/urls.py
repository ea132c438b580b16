from django.urls import path

from rest_framework.routers import SimpleRouter

from volunteers import api

router = SimpleRouter()
router.register("volunteers", api.VolunteerViewSet, basename="volunteer")
router.register("teams", api.TeamViewSet, basename="volunteer-team")
router.register("volunteer-service-points", api.ServicePointViewSet, basename="service-point")
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("service-records", api.ServiceRecordViewSet, basename="service-record")
router.register("points", api.PointsViewSet, basename="points-entry")
router.register("proofs", api.ProofViewSet, basename="proof")

urlpatterns = [
    path("proofs/verify/<str:serial>/", api.ProofVerifyView.as_view(), name="proof-verify-api"),
    *router.urls,
]
