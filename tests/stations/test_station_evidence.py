"""Evidence files of six-haves inspections: images and PDF only, 10 MB, always downloaded."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest

from stations.models import InspectionEvidence, StationInspection
from tests.factories import make_station

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def inspections(tree):
    own = make_station(tree.town_a1)
    other = make_station(tree.town_b1)
    today = timezone.localdate()
    return (
        StationInspection.objects.create(station=own, area=own.area, inspected_on=today),
        StationInspection.objects.create(station=other, area=other.area, inspected_on=today),
    )


def upload(client, inspection, name, content, **fields):
    return client.post(
        f"/api/v1/station-inspections/{inspection.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content), **fields},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("_case", "name", "content", "content_type"),
    [
        ("png", "门牌.PNG", PNG, "image/png"),
        ("pdf", "制度汇编.pdf", PDF, "application/pdf"),
    ],
)
def test_images_and_pdfs_are_accepted(api, actors, inspections, _case, name, content, content_type):
    response = upload(api(actors.county_admin), inspections[0], name, content, item="premises")

    assert response.status_code == 201
    evidence = InspectionEvidence.objects.get()
    assert (evidence.item, evidence.content_type, evidence.original_name, evidence.size) == (
        "premises",
        content_type,
        name,
        len(content),
    )
    assert evidence.file.name.startswith("station-evidence/")
    assert name not in evidence.file.name


@pytest.mark.parametrize(
    ("_case", "name", "content"),
    [
        ("html", "page.html", HTML),
        ("html named as an image", "photo.png", HTML),
        ("pdf named as an image", "photo.png", PDF),
        ("svg", "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ],
)
def test_other_files_are_refused(api, actors, inspections, _case, name, content):
    response = upload(api(actors.county_admin), inspections[0], name, content)
    assert response.status_code == 400
    assert response.json() == {
        "file": ["Only JPEG, PNG or WebP images and PDF files are accepted as evidence."]
    }
    assert InspectionEvidence.objects.count() == 0


def test_a_file_over_10_mb_is_refused(api, actors, inspections):
    content = PDF + b"0" * (10 * 1024 * 1024)
    response = upload(api(actors.county_admin), inspections[0], "big.pdf", content)
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than the limit of 10 MB."]}
    assert InspectionEvidence.objects.count() == 0


def test_a_download_is_an_attachment_of_the_detected_type(api, actors, inspections):
    client = api(actors.county_admin)
    upload(client, inspections[0], "门牌.png", PNG)
    evidence = InspectionEvidence.objects.get()

    response = client.get(
        f"/api/v1/station-inspections/{inspections[0].pk}/evidence/{evidence.pk}/"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PNG


def test_another_countys_evidence_is_not_found(api, actors, inspections):
    upload(api(actors.other_county_admin), inspections[1], "门牌.png", PNG)
    evidence = InspectionEvidence.objects.get()
    client = api(actors.county_admin)
    url = f"/api/v1/station-inspections/{inspections[1].pk}/evidence/{evidence.pk}/"

    read = client.get(url)
    delete = client.delete(url)
    add = upload(client, inspections[1], "x.png", PNG)
    # The evidence id under an inspection the actor does reach is not found either.
    crossed = client.get(f"/api/v1/station-inspections/{inspections[0].pk}/evidence/{evidence.pk}/")

    assert [r.status_code for r in (read, delete, add, crossed)] == [404, 404, 404, 404]
    assert InspectionEvidence.objects.count() == 1


def test_deleting_evidence_removes_row_and_file(
    api, actors, inspections, tmp_path, django_capture_on_commit_callbacks
):
    client = api(actors.county_admin)
    upload(client, inspections[0], "门牌.png", PNG)
    evidence = InspectionEvidence.objects.get()
    path = tmp_path / evidence.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(
            f"/api/v1/station-inspections/{inspections[0].pk}/evidence/{evidence.pk}/"
        )

    assert response.status_code == 204
    assert InspectionEvidence.objects.count() == 0
    assert not path.exists()


def test_a_viewer_downloads_but_cannot_upload(api, actors, inspections):
    upload(api(actors.county_admin), inspections[0], "门牌.png", PNG)
    evidence = InspectionEvidence.objects.get()
    client = api(actors.viewer)

    read = client.get(f"/api/v1/station-inspections/{inspections[0].pk}/evidence/{evidence.pk}/")
    add = upload(client, inspections[0], "x.png", PNG)

    assert (read.status_code, add.status_code) == (200, 403)
    assert InspectionEvidence.objects.count() == 1
