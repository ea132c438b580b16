from rest_framework.routers import SimpleRouter

from talent import api

router = SimpleRouter()
router.register("workers", api.WorkerViewSet, basename="worker")
router.register("certificates", api.CertificateViewSet, basename="certificate")
router.register("registrations", api.RegistrationViewSet, basename="registration")
router.register("trainings", api.TrainingViewSet, basename="training")
router.register("training-attendances", api.AttendanceViewSet, basename="training-attendance")
router.register("exam-entries", api.ExamEntryViewSet, basename="exam-entry")
router.register("incentive-policies", api.PolicyViewSet, basename="incentive-policy")
router.register("incentive-grants", api.GrantViewSet, basename="incentive-grant")

urlpatterns = router.urls
