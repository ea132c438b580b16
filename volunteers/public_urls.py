"""Public pages (no login): verifying a proof of volunteer service by its serial number."""

from django.urls import path

from volunteers import views

urlpatterns = [
    path("<str:serial>/", views.proof_verify_page, name="proof-verify"),
]
