"""Benchmark: the API under concurrent load on loopback, and its queries per request.

    DATABASE_URL=postgres://…/wushe_bench .venv/bin/python -m bench.api_load [--seconds 15]

Starts gunicorn with the production settings on 127.0.0.1 (4 workers, persistent database
connections), then drives the largest lists (workers, organisations, volunteer service records)
and the compliance endpoint with 32 concurrent connections of `wrk` (a small thread pool of
Python clients when /usr/bin/wrk is missing), page size 50, with a token of a read-only viewer
scoped to the benchmarked area. Queries per request are counted separately with Django's test
client at page sizes 10 and 50: they must be equal.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.common import (
    REPO,
    analyze,
    assert_scratch_database,
    data_year,
    machine,
    say,
    write_results,
)

# isort: split
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reports.models import ComplianceRun, ComplianceSnapshot
from reports.services import compliance_run_execute
from stations.models import AdminArea

CLIENTS = 32
WRK = "/usr/bin/wrk"
USERNAME = "bench_api_viewer"
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def endpoints(area: AdminArea, year: int) -> dict[str, str]:
    return {
        "workers": f"/api/v1/workers/?within={area.code}",
        "orgs": f"/api/v1/orgs/?within={area.code}",
        "service_records": f"/api/v1/service-records/?within={area.code}",
        "compliance": f"/api/v1/compliance/?area={area.code}&year={year}",
    }


def bench_user(area: AdminArea):
    """A read-only viewer scoped to `area`, with a token (created or reused)."""
    from django.contrib.auth.models import Group

    from rest_framework.authtoken.models import Token

    from stations.models import User
    from stations.roles import Role

    user, _created = User.objects.get_or_create(username=USERNAME, defaults={"is_staff": True})
    user.admin_area = area
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name=Role.VIEWER)])
    token, _created = Token.objects.get_or_create(user=user)
    return user, token.key


def ensure_snapshot(area: AdminArea, year: int) -> None:
    """The compliance endpoint reads the current snapshot: compute one when there is none."""
    if not ComplianceSnapshot.objects.filter(area=area, year=year, is_current=True).exists():
        compliance_run_execute(run_id=ComplianceRun.objects.create(area=area, year=year).pk)


def with_page_size(url: str, size: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page_size={size}"


def queries_per_request(token: str, urls: dict[str, str]) -> dict[str, dict]:
    """Queries of one request at page sizes 10 and 50 (Django test client, after a warm-up)."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    counts = {}
    for name, url in urls.items():
        figures = {}
        for size in (10, 50):
            client.get(with_page_size(url, size))
            with CaptureQueriesContext(connection) as captured:
                response = client.get(with_page_size(url, size), HTTP_ACCEPT="application/json")
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code} {response.content[:300]!r}")
            body = response.json()
            figures[f"page_{size}"] = len(captured.captured_queries)
            figures[f"rows_{size}"] = len(body.get("results", body.get("children", [])))
        figures["constant"] = figures["page_10"] == figures["page_50"]
        counts[name] = figures
    return counts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "False",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    process = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def _warm_up(url: str, token: str, count: int) -> None:
    """A few requests one after another, so that workers have connected and imported.

    (A short burst of wrk instead leaves 32 slow requests queued in gunicorn behind it.)
    """
    request = urllib.request.Request(  # noqa: S310
        url, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    for _request in range(count):
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()


def load_with_wrk(url: str, token: str, seconds: int, clients: int = CLIENTS) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        result = subprocess.run(  # noqa: S603
            [
                WRK,
                "-t",
                str(min(4, clients)),
                "-c",
                str(clients),
                "-d",
                f"{seconds}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                "-H",
                f"Authorization: Token {token}",
                "-H",
                "Accept: application/json",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script.name).unlink()
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    requests, duration_us, p50, p95, p99, errors = (int(part) for part in line.split()[1:])
    non_2xx = 0
    for text in result.stdout.splitlines():
        if "Non-2xx" in text:
            non_2xx = int(text.split(":")[1])
    return {
        "tool": "wrk",
        "requests": requests,
        "requests_per_second": round(requests / (duration_us / 1e6), 1),
        "p50_ms": round(p50 / 1000, 1),
        "p95_ms": round(p95 / 1000, 1),
        "p99_ms": round(p99 / 1000, 1),
        "errors": errors,
        "non_2xx": non_2xx,
        "output": result.stdout,
    }


def load_with_threads(url: str, token: str, seconds: int, clients: int = CLIENTS) -> dict:
    """The fallback client: `clients` threads each sending requests one after another."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        request = urllib.request.Request(  # noqa: S310
            url, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
        )
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += not ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "tool": "python threads",
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / duration, 1),
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "errors": errors,
        "non_2xx": errors,
    }


def run(
    *,
    area_code: str | None = None,
    year: int | None = None,
    seconds: int = 15,
    workers: int = 4,
    load: bool = True,
    out=None,
) -> dict:
    from bench.compliance import default_province

    assert_scratch_database()
    analyze()
    started = machine()
    year = year or data_year()
    area = AdminArea.objects.get(code=area_code) if area_code else default_province()
    _user, token = bench_user(area)
    ensure_snapshot(area, year)
    urls = endpoints(area, year)
    say(f"API on {area.code} {area.name}")
    figures: dict = {"area": area.code, "year": year, "clients": CLIENTS, "page_size": 50}
    figures["queries"] = queries_per_request(token, urls)
    for name, counted in figures["queries"].items():
        say(f"  {name}: {counted['page_10']} queries at 10 rows, {counted['page_50']} at 50")
    if load:
        port = _free_port()
        server = start_gunicorn(port, workers)
        figures["gunicorn_workers"] = workers
        try:
            use_wrk = shutil.which(WRK) is not None
            figures["load"] = {}
            figures["load_single_client"] = {}
            figures["load_per_core"] = {}
            cores = os.cpu_count() or 1
            figures["per_core_clients"] = cores
            drive = load_with_wrk if use_wrk else load_with_threads
            for name, url in urls.items():
                full = with_page_size(f"http://127.0.0.1:{port}{url}", 50)
                _warm_up(full, token, workers)
                result = drive(full, token, seconds)
                figures["load"][name] = result
                say(
                    f"  {name}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                    f"{result['requests_per_second']} req/s ({result['tool']}, "
                    f"{result['non_2xx']} non-2xx)"
                )
                # One client after another: a request's own time, with no queue in front of it
                # (with 32 closed-loop clients on a few cores p95 is about 32 / throughput).
                # The 32 clients leave up to 32 requests queued in gunicorn: drain them first.
                _warm_up(full, token, CLIENTS)
                alone = drive(full, token, max(3, seconds // 3), clients=1)
                figures["load_single_client"][name] = alone
                say(f"  {name}, one client: p50 {alone['p50_ms']} ms, p95 {alone['p95_ms']} ms")
                # As many clients as the machine has cores: the most it serves without a queue.
                few = drive(full, token, max(3, seconds // 3), clients=cores)
                figures["load_per_core"][name] = few
                say(f"  {name}, {cores} clients: p50 {few['p50_ms']} ms, p95 {few['p95_ms']} ms")
        finally:
            server.terminate()
            server.wait(timeout=30)
    target = write_results("api_load", figures, started=started, out=out)
    say(f"Wrote {target}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", help="code of the benchmarked area (default: Jiangsu)")
    parser.add_argument("--year", type=int)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()
    run(area_code=args.area, year=args.year, seconds=args.seconds, workers=args.workers)


if __name__ == "__main__":
    main()
