#!/usr/bin/env python
"""Load on the HTTP API: many concurrent clients against one `seminar-qa serve` process.

Starts the server as a child process on loopback over an index (default ``index/``, the real
models), waits until /readyz, then runs ``--clients`` asyncio clients that each ask
``--questions`` questions one after another (drawn in turn from every question of ``eval/``,
English and Chinese). Records errors (anything but 200), p50/p95/max latency as the client sees
it, and throughput, and writes the "## API load" section of BENCHMARKS.md.

Run:  .venv/bin/python bench/api_load.py [--clients 50] [--questions 20] [--index index]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: `bench` package

from bench.reliability import replace_section
from bench.run import load_questions, percentile
from seminar_qa.testing.http import free_port, start_server, wait_for

HEADING = "## API load"


async def client(
    base: str, questions: Sequence[str], offset: int, count: int, latencies: list[float]
) -> list[str]:
    """Ask ``count`` questions in turn; record each latency; return the errors."""
    errors = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as session:
        for number in range(count):
            question = questions[(offset + number) % len(questions)]
            started = time.perf_counter()
            try:
                response = await session.post("/v1/ask", json={"question": question, "k": 5})
                if response.status_code != 200:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as error:
                errors.append(repr(error))
            latencies.append(time.perf_counter() - started)
    return errors


async def run_load(
    base: str, questions: Sequence[str], clients: int, each: int
) -> dict[str, float]:
    """All clients at once; the figures of the run."""
    latencies: list[float] = []
    started = time.perf_counter()
    results = await asyncio.gather(
        *(client(base, questions, n * each, each, latencies) for n in range(clients))
    )
    seconds = time.perf_counter() - started
    errors = [error for result in results for error in result]
    for error in errors[:5]:
        print(f"  error: {error}", file=sys.stderr)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": seconds,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "max_ms": max(latencies) * 1000,
        "per_second": len(latencies) / seconds,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server, run the load, print and record the figures; exit 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per client")
    parser.add_argument("--index", default="index")
    parser.add_argument("--report", default="BENCHMARKS.md", help="'' to skip writing it")
    args = parser.parse_args(argv)
    questions = load_questions()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="seminar-qa-load-") as folder:
        started = time.perf_counter()
        server = start_server(
            Path(args.index),
            port,
            "--rate-limit",
            "0",
            log=Path(folder) / "server.log",
            env={"SEMINAR_QA_FEEDBACK": str(Path(folder) / "feedback.sqlite")},
        )
        try:
            wait_for(base + "/readyz", 300, process=server)
            ready = time.perf_counter() - started
            status = httpx.get(base + "/v1/status").json()
            figures = asyncio.run(run_load(base, questions, args.clients, args.questions))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    line = (
        f"{args.clients} clients x {args.questions} questions = {figures['requests']:.0f} "
        f"requests, {figures['errors']:.0f} errors; latency p50 {figures['p50_ms']:.0f} ms, "
        f"p95 {figures['p95_ms']:.0f} ms, max {figures['max_ms']:.0f} ms; "
        f"{figures['per_second']:.1f} answers/s; server ready {ready:.1f} s after start"
    )
    print(line)
    if args.report:
        section = (
            f"{HEADING}\n\nMeasured {time.strftime('%Y-%m-%d %H:%M')} with "
            f"`.venv/bin/python bench/api_load.py --clients {args.clients} --questions "
            f"{args.questions}` on {os.cpu_count()} cores: one `seminar-qa serve` process over "
            f"`{args.index}` ({status['passages']} passages, "
            f"{', '.join(str(e).split(' ')[0] for e in status['embedders'])}), clients on "
            f"loopback asking the {len(questions)} questions of `eval/` in turn (English and "
            "Chinese), k = 5. Latency is what a client sees, queueing included.\n\n"
            f"```\n{line}\n```\n"
        )
        replace_section(Path(args.report), HEADING, section)
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
