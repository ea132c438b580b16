from rest_framework.routers import SimpleRouter

from reports.api import ComplianceRunViewSet, ComplianceViewSet

router = SimpleRouter()
router.register("compliance/runs", ComplianceRunViewSet, basename="compliance-run")
router.register("compliance", ComplianceViewSet, basename="compliance")

urlpatterns = router.urls
