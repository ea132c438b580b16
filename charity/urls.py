from rest_framework.routers import SimpleRouter

from charity import api

router = SimpleRouter()
router.register("charity-sources", api.SourceViewSet, basename="charity-source")
router.register("funds", api.FundViewSet, basename="charity-fund")
router.register("ledger", api.LedgerEntryViewSet, basename="charity-ledger")
router.register("needs", api.NeedViewSet, basename="charity-need")
router.register("resources", api.ResourceViewSet, basename="charity-resource")
router.register("linkage-projects", api.LinkageProjectViewSet, basename="charity-linkage-project")

router.register("in-kind-donations", api.InKindDonationViewSet, basename="charity-in-kind")
router.register(
    "points-redemptions", api.PointsRedemptionViewSet, basename="charity-points-redemption"
)

urlpatterns = router.urls
