from django.urls import path

from projects import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("login/", portal.PortalLoginView.as_view(), name="login"),
    path("logout/", portal.PortalLogoutView.as_view(), name="logout"),
    path("contracts/<int:pk>/", portal.contract_detail, name="contract"),
    path("calendar/", portal.report_calendar, name="calendar"),
    path("stations/<int:pk>/", portal.station_detail, name="station"),
    path("reports/<int:pk>/", portal.report_edit, name="report"),
    path("reports/<int:pk>/attachments/", portal.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", portal.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", portal.attachment_delete, name="attachment-delete"),
    path("review/", portal.review_list, name="review-list"),
    path("review/<int:pk>/", portal.review, name="review"),
]
