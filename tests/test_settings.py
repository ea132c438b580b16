"""Deployment settings, the OpenAPI schema, the offline API docs and the landing page."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_environment():
    # Nothing of the test process's own settings: e.g. importing the benchmarks sets
    # SECURE_SSL_REDIRECT=0 for their loopback server.
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k != "DJANGO_ALLOW_ASYNC_UNSAFE" and not k.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "0",
        "SECRET_KEY": "x9#Lq2!vT7mP4@zR8wK1&nB6^yH3$cF5-jD0+gS2*aE7%uQ-w8Zt5Vb1Nk3",
        "ALLOWED_HOSTS": "mz.example.gov.cn",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.django_db
def test_openapi_schema_lists_the_area_endpoints(client):
    response = client.get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert response.status_code == 200
    assert {"/api/v1/areas/", "/api/v1/areas/{code}/", "/api/v1/auth/token/"} <= set(paths)


@pytest.mark.django_db
def test_api_docs_are_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page


@pytest.mark.django_db
def test_landing_page_in_chinese_with_attribution(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "CC BY 4.0" in response.content.decode()


@pytest.mark.django_db
def test_health_endpoint_checks_the_database(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_the_openapi_schema_is_valid(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--file",
            str(tmp_path / "s.yml"),
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")
