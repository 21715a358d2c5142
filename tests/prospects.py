"""Simulated prospects for load and fault tests: valid random answers, submitted over HTTP.

Works from the public API only (`GET /api/v1/questionnaire/`, `POST /api/v1/assessments/`,
`GET /api/v1/assessments/<token>/`), as a client of the running site would.

The client runs on the machine it measures, so it should take as little of its CPU as it can:
aiohttp (its HTTP parser is C) took 0.35-0.41 s of CPU for a burst of 200 prospects where httpx
(pure Python) took 1.3-1.6 s, on the same two cores as the web server, the worker and the
database.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

QUESTIONNAIRE_PATH = "/api/v1/questionnaire/"
SUBMIT_PATH = "/api/v1/assessments/"
FINAL_STATUSES = {"scored", "failed"}


def random_answers(questionnaire: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Answers to every question shown, honouring display conditions, as a prospect gives them.

    A condition on a number question depends on the band the number falls in, which the public
    questionnaire does not expose; such a question is answered anyway (the site drops answers
    to hidden questions), so a shown one is never left unanswered.
    """
    questions = [q for section in questionnaire["sections"] for q in section["questions"]]
    kinds = {q["key"]: q["kind"] for q in questions}
    answers: dict[str, Any] = {}
    for question in questions:
        if _hidden(question, answers, kinds):
            continue
        answers[question["key"]] = _answer(question, rng)
    return answers


def _hidden(question: dict[str, Any], answers: dict[str, Any], kinds: dict[str, str]) -> bool:
    condition = question.get("condition")
    if not condition:
        return False
    source = condition["question"]
    if kinds.get(source) == "number":
        return False
    given = answers.get(source)
    if given is None:
        return True
    keys = set(given) if isinstance(given, list) else {given}
    return keys.isdisjoint(condition["in"])


def _answer(question: dict[str, Any], rng: random.Random) -> Any:
    if question.get("allow_unknown") and rng.random() < 0.1:
        return "unknown"
    keys = [choice["key"] for choice in question["choices"]]
    kind = question["kind"]
    if kind == "number":
        low = question.get("min_value")
        high = question.get("max_value")
        low = 0 if low is None else low
        high = max(low, 10_000) if high is None else high
        # Whole numbers on a log-ish spread: most answers are small, a few very large.
        return min(high, low + int(rng.paretovariate(0.8)) - 1)
    if kind == "multiple":
        return rng.sample(keys, rng.randint(1, len(keys)))
    return rng.choice(keys)


@dataclass
class Outcome:
    """What one simulated prospect saw."""

    submit_status: int = 0
    token: str = ""
    final_status: str = ""
    submitted_at: float = 0.0
    finished_at: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def latency(self) -> float:
        return self.finished_at - self.submitted_at


def submission(questionnaire: dict[str, Any], seed: int) -> dict[str, Any]:
    """The body prospect number `seed` posts: the same seed always gives the same answers."""
    return {
        "answers": random_answers(questionnaire, random.Random(seed)),
        "contact": {"name": f"Prospect {seed}", "email": f"p{seed}@example.org"},
        "consent": True,
    }


def forwarded_for(seed: int) -> dict[str, str]:
    """The header a deployment's proxy adds for prospect number ``seed``: its own address."""
    return {"X-Forwarded-For": f"10.{seed // 65536 % 256}.{seed // 256 % 256}.{seed % 256}"}


async def submit(
    session: aiohttp.ClientSession,
    base_url: str,
    questionnaire: dict[str, Any],
    seed: int,
    headers: dict[str, str] | None = None,
) -> Outcome:
    """Posts one random assessment; the outcome holds the status code and, if accepted, the token."""
    outcome = Outcome()
    outcome.submitted_at = time.monotonic()
    body = submission(questionnaire, seed)
    async with session.post(base_url + SUBMIT_PATH, json=body, headers=headers) as response:
        outcome.submit_status = response.status
        text = await response.text()
    if response.status == 202:
        outcome.token = json.loads(text)["token"]
    else:
        outcome.errors.append(f"POST {response.status}: {text[:300]}")
    return outcome


async def prospect(
    session: aiohttp.ClientSession,
    base_url: str,
    questionnaire: dict[str, Any],
    *,
    seed: int,
    poll_interval: float,
    deadline: float,
    headers: dict[str, str] | None = None,
) -> Outcome:
    """Submits one random assessment and polls its status until it is final or time is up."""
    outcome = await submit(session, base_url, questionnaire, seed, headers)
    if not outcome.token:
        return outcome
    status_url = f"{base_url}{SUBMIT_PATH}{outcome.token}/"
    while time.monotonic() < deadline:
        async with session.get(status_url, headers=headers) as response:
            text = await response.text()
        if response.status != 200:
            outcome.errors.append(f"GET {response.status}: {text[:300]}")
        elif (state := json.loads(text)["status"]) in FINAL_STATUSES:
            outcome.final_status = state
            outcome.finished_at = time.monotonic()
            return outcome
        await asyncio.sleep(poll_interval)
    outcome.errors.append("not final before the deadline")
    return outcome


def _session(count: int) -> aiohttp.ClientSession:
    """A session whose connections are enough for ``count`` prospects at once."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=count),
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def _questionnaire(session: aiohttp.ClientSession, base_url: str) -> dict[str, Any]:
    async with session.get(base_url + QUESTIONNAIRE_PATH) as response:
        response.raise_for_status()
        questionnaire: dict[str, Any] = await response.json()
        return questionnaire


async def crowd(
    base_url: str,
    count: int,
    *,
    poll_interval: float = 0.5,
    timeout: float = 300,
    behind_proxy: bool = False,
) -> list[Outcome]:
    """`count` prospects submitting at once; each polls until scored (or `timeout` passes).

    ``behind_proxy``: each prospect comes from an address of its own, as the deployment's
    proxy reports it (``forwarded_for``), for a site with ``TRUSTED_PROXY_COUNT=1``.
    Otherwise all of them share the client's one address, and with it one throttle history.
    """
    async with _session(count) as session:
        questionnaire = await _questionnaire(session, base_url)
        deadline = time.monotonic() + timeout
        return list(
            await asyncio.gather(
                *(
                    prospect(
                        session,
                        base_url,
                        questionnaire,
                        seed=seed,
                        poll_interval=poll_interval,
                        deadline=deadline,
                        headers=forwarded_for(seed) if behind_proxy else None,
                    )
                    for seed in range(count)
                )
            )
        )


async def submit_all(base_url: str, seeds: range) -> list[Outcome]:
    """One prospect per seed posting at once, without waiting for the result."""
    async with _session(len(seeds)) as session:
        questionnaire = await _questionnaire(session, base_url)
        return list(
            await asyncio.gather(*(submit(session, base_url, questionnaire, s) for s in seeds))
        )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
