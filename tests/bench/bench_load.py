"""Load on the production stack: gunicorn (2 workers) + PostgreSQL + Redis + one Celery worker.

- `/compare/` throughput and latency, measured with wrk against `/healthz` (a minimal Django
  view on the same server) with the same threads and connections, after a warm-up; the pages
  take turns over three rounds and the round with the median ratio counts.
- 200 prospects at once (asyncio + aiohttp), each from an address of its own behind the
  deployment's proxy: fetch the questionnaire, submit valid random answers, poll until
  scored. All must be scored, once each; the p95 time from submission to scored is set
  against a no-op Celery task (`assessments.ping`) round trip for 200 tasks published at once,
  observed with the same polling interval.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.prospects import crowd, percentile
from tests.stack import Stack, tools_available

NAME = "bench_load"
REDIS_DB = 8  # and 9 for the cache
WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WRK_THREADS = 2
# Two per gunicorn worker: both kept busy without queueing requests behind wrk's timeout.
WRK_CONNECTIONS = 4
WRK_SECONDS = 5
WARMUP_SECONDS = 3
# The pages are measured in turns, each page once a round; a page's ratio is taken within a
# round (the host's speed drifts over a minute) and the round with the median ratio counts.
WRK_ROUNDS = 3
COMPARE_TARGET = 0.6
# A returning visitor (the CSRF cookie): the cached page too (issue 14).
RETURNING_TARGET = 0.3
PROSPECTS = 200
WARM_UP_PROSPECTS = 10
# p95 submission -> scored of the 200, against 200 no-op tasks published at once (issue 14).
BURST_TARGET = 3.0
# The result page polls its status once a second.
POLL_INTERVAL = 1.0
PROSPECT_TIMEOUT = 600
# The burst is run this many times; the run with the median ratio counts.
BURST_RUNS = int(os.environ.get("BENCH_BURST_RUNS", "3"))
SETTLE_TIMEOUT = 120
SETTLE_SECONDS = 2


def run() -> list[dict[str, Any]]:
    if not tools_available():
        print(f"{NAME}: skipped, PostgreSQL, Redis and redis-cli are needed", file=sys.stderr)
        return []
    if not shutil.which("wrk"):
        print(f"{NAME}: skipped, wrk is not installed (make bench installs it)", file=sys.stderr)
        return []
    # Behind a proxy, as deployed (README, "Deployment"): each prospect has an address of its
    # own, and with it its own throttle history. From one shared address, the API's throttles
    # read and wrote a history of every request of the last minute (over a thousand entries)
    # on each of the burst's requests: 0.5-0.7 s of the web's CPU per burst.
    with Stack(name=NAME, redis_db=REDIS_DB, extra_env={"TRUSTED_PROXY_COUNT": "1"}) as stack:
        stack.prepare()
        stack.start()
        stack.wait_for_workers()
        rows = compare_rows(stack)
        if _questionnaire_published(stack):
            rows += prospect_rows(stack)
        else:
            print(f"{NAME}: prospects skipped, no questionnaire API yet", file=sys.stderr)
    return rows


# --- /compare/ against /healthz ---


def wrk(
    url: str, seconds: int, *, warmup: bool = False, headers: tuple[str, ...] = ()
) -> dict[str, float]:
    """One wrk run: requests per second, p50 and p95 in ms; any failed request is an error."""
    output = subprocess.run(
        [
            "wrk",
            # As every browser does: pages may come gzipped.
            "-H",
            "Accept-Encoding: gzip",
            *(arg for header in headers for arg in ("-H", header)),
            f"-t{WRK_THREADS}",
            f"-c{WRK_CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(WRK_SCRIPT),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    stats = json.loads(line.removeprefix("WRK_JSON "))
    failed = sum(stats[key] for key in ("connect", "read", "write", "status", "timeout"))
    if warmup:
        return {}
    if failed or not stats["requests"]:
        raise RuntimeError(f"wrk {url}: {failed} failed of {stats['requests']} requests")
    return {
        "rps": stats["requests"] / (stats["duration_us"] / 1e6),
        "p50": stats["p50_us"] / 1000,
        "p95": stats["p95_us"] / 1000,
    }


def compare_rows(stack: Stack) -> list[dict[str, Any]]:
    # A first visit sends no cookie and gets the cached page; a returning visitor (any cookie)
    # gets a page rendered around the cached table.
    runs = {
        "compare": ("/compare/", ()),
        "healthz": ("/healthz", ()),
        "returning": ("/compare/", ("Cookie: csrftoken=" + "b" * 32,)),
    }
    for path, headers in runs.values():
        wrk(stack.base_url + path, WARMUP_SECONDS, warmup=True, headers=headers)
    rounds = [
        {
            name: wrk(stack.base_url + path, WRK_SECONDS, headers=headers)
            for name, (path, headers) in runs.items()
        }
        for _ in range(WRK_ROUNDS)
    ]
    results = _median_round(rounds, "compare")
    compare, healthz = results["compare"], results["healthz"]
    returning_round = _median_round(rounds, "returning")
    returning, returning_base = returning_round["returning"], returning_round["healthz"]
    ratio = compare["rps"] / healthz["rps"]
    rows = [
        {
            "name": "load: /compare/ requests/s (baseline /healthz)",
            "value": compare["rps"],
            "unit": "req/s",
            "baseline": healthz["rps"],
            "ratio": ratio,
            "target": f">= {COMPARE_TARGET}",
            "ok": ratio >= COMPARE_TARGET,
        },
        {
            "name": "load: /compare/ with the CSRF cookie (baseline /healthz)",
            "value": returning["rps"],
            "unit": "req/s",
            "baseline": returning_base["rps"],
            "ratio": returning["rps"] / returning_base["rps"],
            "target": f">= {RETURNING_TARGET}",
            "ok": returning["rps"] / returning_base["rps"] >= RETURNING_TARGET,
        },
    ]
    for pct in ("p50", "p95"):
        rows.append(
            {
                "name": f"load: /compare/ latency {pct} (baseline /healthz)",
                "value": compare[pct],
                "unit": "ms",
                "baseline": healthz[pct],
                "ratio": compare[pct] / healthz[pct],
                "target": "-",
                "ok": None,
            }
        )
    return rows


def _median_round(rounds: list[dict[str, dict[str, float]]], name: str) -> dict[str, Any]:
    """The round whose ``name`` to ``/healthz`` throughput ratio is the median of all rounds."""
    ordered = sorted(rounds, key=lambda r: r[name]["rps"] / r["healthz"]["rps"])
    return ordered[len(ordered) // 2]


# --- 200 prospects ---


def _questionnaire_published(stack: Stack) -> bool:
    try:
        return httpx.get(stack.base_url + "/api/v1/questionnaire/", timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def prospect_rows(stack: Stack) -> list[dict[str, Any]]:
    """The burst, run ``BURST_RUNS`` times, each beside its own baseline: the run with the
    median ratio counts (on this shared two-core host one run's p95 varied by half)."""
    # Warm-up, as wrk warms the pages and the baseline the worker: every gunicorn worker and
    # the scoring worker have loaded the API's code, the questionnaire and the scoring model
    # before the first measured burst (a first burst otherwise paid about a second of it).
    asyncio.run(
        crowd(stack.base_url, WARM_UP_PROSPECTS, poll_interval=0.2, timeout=120, behind_proxy=True)
    )
    _settle(stack)
    runs = []
    for number in range(1, BURST_RUNS + 1):
        runs.append(_burst(stack))
        print(f"{NAME}: burst {number}: p95 ratio {runs[-1][1]['ratio']:.2f}", file=sys.stderr)
        _settle(stack)
    ratios = ", ".join(f"{rows[1]['ratio']:.2f}" for rows in runs)
    # Every run must score each prospect exactly once; the median run's figures are shown.
    exactly_once = all(rows[0]["ok"] for rows in runs)
    median = sorted(runs, key=lambda rows: rows[1]["ratio"])[len(runs) // 2]
    median[0]["ok"] = exactly_once
    median[1]["name"] += f" [median of {len(runs)} runs: {ratios}]"
    return median


def _burst(stack: Stack) -> list[dict[str, Any]]:
    baseline = ping_latencies(stack, PROSPECTS)
    since = _database_now(stack)
    started = time.monotonic()
    outcomes = asyncio.run(
        crowd(
            stack.base_url,
            PROSPECTS,
            poll_interval=POLL_INTERVAL,
            timeout=PROSPECT_TIMEOUT,
            behind_proxy=True,
        )
    )
    elapsed = time.monotonic() - started
    scored = [o for o in outcomes if o.final_status == "scored"]
    problems = [error for o in outcomes for error in o.errors]
    if problems:
        print(f"{NAME}: {len(problems)} prospect errors, e.g. {problems[:3]}", file=sys.stderr)
    rows_in_db, scored_in_db, claims, accepted_span, scored_span = _database_counts(stack, since)
    tokens = {o.token for o in outcomes if o.token}
    exactly_once = (
        len(scored) == PROSPECTS
        and len(tokens) == PROSPECTS
        and rows_in_db == scored_in_db == PROSPECTS
        and claims == PROSPECTS
    )
    p95 = percentile([o.latency for o in scored], 95) if scored else float("inf")
    ping_p95 = percentile(baseline, 95)
    return [
        {
            "name": f"load: {PROSPECTS} prospects scored once (in DB; baseline submitted)",
            "value": scored_in_db,
            "unit": "",
            "baseline": PROSPECTS,
            "ratio": scored_in_db / PROSPECTS,
            "target": "= 1, no duplicate",
            "ok": exactly_once,
        },
        {
            "name": "load: p95 submission -> scored (baseline no-op task round trip p95)",
            "value": p95,
            "unit": "s",
            "baseline": ping_p95,
            "ratio": p95 / ping_p95,
            "target": f"<= {BURST_TARGET}",
            "ok": p95 / ping_p95 <= BURST_TARGET,
        },
        # Where the time goes, from the rows' own timestamps: the web accepting the burst
        # (first INSERT to last) and the scoring draining it (first INSERT to last scored).
        {
            "name": f"load: {PROSPECTS} submissions accepted, first to last (baseline no-op p95)",
            "value": accepted_span,
            "unit": "s",
            "baseline": ping_p95,
            "ratio": accepted_span / ping_p95,
            "target": "-",
            "ok": None,
        },
        {
            "name": f"load: {PROSPECTS} scored, first submission to last scored (baseline no-op p95)",
            "value": scored_span,
            "unit": "s",
            "baseline": ping_p95,
            "ratio": scored_span / ping_p95,
            "target": "-",
            "ok": None,
        },
        {
            "name": f"load: {PROSPECTS} prospects wall time (baseline 200 no-op tasks)",
            "value": elapsed,
            "unit": "s",
            "baseline": max(baseline),
            "ratio": elapsed / max(baseline),
            "target": "-",
            "ok": None,
        },
    ]


def _settle(stack: Stack) -> None:
    """Between bursts: the leads' notifications run out, and the PDF renders the burst queued
    are dropped (a render takes a core for a second; none is measured here)."""
    import redis

    client = redis.Redis.from_url(stack.broker_url)
    client.delete(*client.keys("reports*") or ["reports"])
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while any(client.llen(key) for key in client.keys("celery*") if client.type(key) == b"list"):
        if time.monotonic() > deadline:
            raise RuntimeError("the default queue did not drain between bursts")
        time.sleep(0.5)
    time.sleep(SETTLE_SECONDS)


def ping_latencies(stack: Stack, count: int) -> list[float]:
    """Publish→result seconds of `count` no-op tasks sent at once, polled like the prospects."""
    from celery import Celery

    app = Celery("bench_load", broker=stack.broker_url, backend=stack.broker_url)
    try:
        app.send_task("assessments.ping", args=[0]).get(timeout=60)  # warm-up
        sent = {}
        for n in range(count):
            sent[n] = (app.send_task("assessments.ping", args=[n]), time.monotonic())
        latencies = []
        deadline = time.monotonic() + PROSPECT_TIMEOUT
        while sent and time.monotonic() < deadline:
            for n, (result, published_at) in list(sent.items()):
                if result.ready():
                    latencies.append(time.monotonic() - published_at)
                    del sent[n]
            time.sleep(POLL_INTERVAL)
        if sent:
            raise RuntimeError(f"{len(sent)} no-op tasks never came back")
        return latencies
    finally:
        app.close()


def _database_now(stack: Stack) -> Any:
    with psycopg.connect(stack.database_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute("SELECT now()").fetchone()
    assert row is not None
    return row[0]


def _database_counts(stack: Stack, since: Any) -> tuple[int, int, int, float, float]:
    """Submitted rows, scored rows, scoring claims (attempts), and the seconds from the first
    submission to the last one and to the last scoring, of the rows submitted ``since``."""
    with psycopg.connect(stack.database_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'scored'), "
            "coalesce(sum(attempts), 0), "
            "coalesce(extract(epoch FROM max(submitted_at) - min(submitted_at)), 0), "
            "coalesce(extract(epoch FROM max(scored_at) - min(submitted_at)), 0) "
            "FROM assessments_assessment WHERE status <> 'draft' AND submitted_at >= %s",
            [since],
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), float(row[3]), float(row[4])
