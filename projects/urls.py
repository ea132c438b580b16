from rest_framework.routers import SimpleRouter

from projects.api import (
    ContractorViewSet,
    ContractViewSet,
    FinalReportViewSet,
    MidTermReportViewSet,
    MonthlyReportViewSet,
    PlanViewSet,
)

router = SimpleRouter()
router.register("contractors", ContractorViewSet, basename="contractor")
router.register("plans", PlanViewSet, basename="plan")
router.register("contracts", ContractViewSet, basename="contract")
router.register("reports/monthly", MonthlyReportViewSet, basename="report-monthly")
router.register("reports/mid-term", MidTermReportViewSet, basename="report-mid-term")
router.register("reports/final", FinalReportViewSet, basename="report-final")

urlpatterns = router.urls
