"""`yifa jobs`: the background jobs' queue (engine/jobs).

    yifa jobs worker [--workers N]     run the jobs (dossier PDFs) and the periodic ones (the daily
                                       digest) until stopped (Ctrl-C or SIGTERM: finishes the job at hand)
    yifa jobs status                   where the queue is and how many jobs wait
"""
from __future__ import annotations

import argparse
import logging
from typing import Any

from engine.cli.case import EXIT_OK


def register(subparsers: Any) -> None:
    """Add `jobs` and its actions to the `yifa` parser."""
    jobs = subparsers.add_parser("jobs", help="后台任务队列 / the background jobs")
    actions = jobs.add_subparsers(metavar="ACTION")
    worker = actions.add_parser("worker", help="运行任务（直至停止）/ run the jobs until stopped")
    worker.add_argument("--workers", type=int, default=2, metavar="N", help="并行任务数 / jobs at once (default 2)")
    worker.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    worker.set_defaults(run=cmd_worker)
    status = actions.add_parser("status", help="队列位置与等待的任务数 / where the queue is, what waits")
    status.set_defaults(run=cmd_status)
    jobs.set_defaults(run=lambda args: (jobs.print_help(), 2)[1])


def cmd_worker(args: argparse.Namespace) -> int:
    from engine.jobs.queue import JobSettings, jobs_for
    settings = JobSettings.from_env()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    print(f"yifa 任务队列 jobs: {settings.where}（{args.workers} 个并行 at once；Ctrl-C 停止 / to stop）", flush=True)
    jobs_for(settings).worker(max(1, args.workers)).run()
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from engine.jobs.queue import JobSettings, jobs_for
    settings = JobSettings.from_env()
    huey = jobs_for(settings).huey
    print(f"队列 queue: {settings.where}\n等待 pending: {huey.pending_count()}  计划 scheduled: {huey.scheduled_count()}")
    return EXIT_OK
