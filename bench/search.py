"""Search benchmark: `GET /jobs?q=...` over 100,000 jobs of one user, beside the plain list.

Fills a throwaway database with `--jobs` completed jobs (transcripts of `--words` words
drawn from an English and Russian vocabulary, a few rare words planted), then times the
service's own search query (JobService.search_for_user, first page of 20) for a rare word, a
common word, a file-name word, a two-word query and a search combined with a status, each
beside the plain newest-first page in interleaved rounds. Prints medians and p95.

    .venv/bin/python bench/search.py [--jobs 100000] [--words 200] [--rounds 15]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid

import psycopg

from bench.common import insert_user, migrated_database

ENGLISH = (
    "the budget meeting project team report quarter growth customer product release plan "
    "review hiring design market sales contract invoice schedule delivery risk issue office "
    "travel weather coffee morning evening agenda question answer number percent million "
    "lighthouse harbour engine signal garden window river mountain station letter"
).split()
RUSSIAN = (
    "бюджет встреча проект команда отчёт квартал рост клиент продукт выпуск план обзор найм "
    "дизайн рынок продажи договор счёт график поставка риск вопрос ответ число процент миллион "
    "маяк гавань двигатель сигнал сад окно река гора станция письмо"
).split()
RARE = ["zanzibar", "квазар"]  # planted in about 0.1% of transcripts


def fill(database_url: str, jobs: int, words: int) -> uuid.UUID:
    vocabulary = [f"{w}{i}" for i in range(60) for w in ENGLISH + RUSSIAN] + ENGLISH + RUSSIAN
    with psycopg.connect(database_url, autocommit=True) as conn:
        user_id = insert_user(conn)
        conn.execute(
            """
            INSERT INTO transcription_jobs (id, user_id, status, language, mode,
                source_object_key, filename, result_object_key, created_at, updated_at)
            SELECT gen_random_uuid(), %(user)s, 'completed', 'en', 'mono',
                'uploads/x/' || i, 'call_' || (ARRAY['weekly','client','board','interview'])[1 + i %% 4]
                    || '-' || i || '.mp3',
                'results/x/' || i, now() - make_interval(secs => i), now()
            FROM generate_series(1, %(jobs)s) AS i
            """,
            {"user": user_id, "jobs": jobs},
        )
        conn.execute(
            """
            INSERT INTO transcripts (id, job_id, plain_text, created_at, updated_at)
            SELECT gen_random_uuid(), j.id,
                (SELECT string_agg((%(vocab)s::text[])[1 + floor(random() * %(n)s)::int], ' ')
                 FROM generate_series(1, %(words)s) AS w WHERE j.id IS NOT NULL)
                || CASE WHEN random() < 0.001 THEN ' zanzibar квазар' ELSE '' END,
                now(), now()
            FROM transcription_jobs j WHERE j.user_id = %(user)s
            """,
            {"vocab": vocabulary, "n": len(vocabulary), "words": words, "user": user_id},
        )
        conn.execute("VACUUM ANALYZE transcription_jobs")
        conn.execute("VACUUM ANALYZE transcripts")
    return user_id


async def measure(user_id: uuid.UUID, rounds: int) -> dict[str, list[float]]:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from transcribe.domain.accounts.current_user import Principal
    from transcribe.domain.jobs.reads import JobReads
    from transcribe.domain.jobs.services import JobService
    from transcribe.settings import get_settings

    engine = create_async_engine(get_settings().db.async_url, pool_size=2)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    reads = JobReads(engine)  # GET /jobs's own read, as the route makes it
    user = Principal(user_id, token_version=0)
    cases: dict[str, tuple[str | None, str | None]] = {
        "list, newest first (baseline)": (None, None),
        "rare word (zanzibar)": ("zanzibar", None),
        "rare Russian word (квазар)": ("квазар", None),
        "common word (budget)": ("budget", None),
        "two words (маяк river)": ("маяк river", None),
        "file-name word (board)": ("board", None),
        "common word + status=failed": ("budget", "failed"),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    totals: dict[str, int] = {}
    for _ in range(rounds):
        for name, (q, status) in random.sample(list(cases.items()), len(cases)):
            async with sessions() as session:
                service = JobService(session=session)
                started = time.perf_counter()
                if q is None:
                    page = await reads.page(user, status, 20, 0)
                else:
                    page = await service.search_for_user(user_id, q, status, 20, 0)
                timings[name].append(time.perf_counter() - started)
                totals[name] = page.total
    await engine.dispose()
    return {f"{name} [{totals[name]} matches]": values for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with migrated_database() as url:
        os.environ.update(DATABASE_URL=url, ENVIRONMENT="test", ENV_FILE="/nonexistent")
        started = time.perf_counter()
        user_id = fill(url, args.jobs, args.words)
        print(
            f"{args.jobs} jobs of one user, {args.words} words each, filled and indexed in "
            f"{time.perf_counter() - started:.0f} s; {args.rounds} interleaved rounds"
        )
        results = asyncio.run(measure(user_id, args.rounds))
    baseline = statistics.median(next(iter(results.values())))
    print(f"{'query (first page of 20)':<58}{'median':>10}{'p95':>10}{'x list':>8}")
    for name, values in results.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        median = statistics.median(values)
        print(f"{name:<58}{median * 1000:>8.1f}ms{p95 * 1000:>8.1f}ms{median / baseline:>8.1f}")


if __name__ == "__main__":
    main()
