"""The worker's procrastinate App, with every task registered. Run it with
`python -m transcribe worker` (transcribe.worker.main: it rides out database restarts);
procrastinate's own CLI (`procrastinate --app=transcribe.worker.app.app ...`) works with it too.
"""

from __future__ import annotations

import logging
import os
import threading

from prometheus_client import start_http_server

from transcribe import supervise
from transcribe.domain.accounts import deletion, mail_tasks
from transcribe.domain.jobs import tasks as job_tasks
from transcribe.domain.webhooks import tasks as webhook_tasks
from transcribe.lib.logging import configure_logging
from transcribe.queue import build_queue
from transcribe.settings import get_settings
from transcribe.worker import housekeeping
from transcribe.worker.runtime import WorkerRuntime

_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_format)
if os.environ.get(supervise.CHILD_ENV) != "worker":  # under `run`, the API says them once
    for _warning in _settings.startup_warnings:
        logging.getLogger(__name__).warning(_warning)
if _settings.worker.metrics_port:
    start_http_server(_settings.worker.metrics_port, addr="0.0.0.0")  # noqa: S104 - scraped from outside

app = build_queue(_settings, for_worker=True)
runtime = WorkerRuntime(_settings)
# The engine now, not at the first job: the log names it and its model at startup, and a
# local model loads (or says it cannot) in the background while the worker starts.
if (_preload := getattr(runtime.engine, "preload", None)) is not None:
    threading.Thread(target=_preload, name="model-preload", daemon=True).start()
job_tasks.register_tasks(app, runtime)
webhook_tasks.register_tasks(app, runtime)
mail_tasks.register_tasks(app, runtime)
deletion.register_tasks(app, runtime)
housekeeping.register_task(app, runtime)
