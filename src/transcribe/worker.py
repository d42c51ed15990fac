"""The worker's procrastinate App, for the CLI:

procrastinate --app=transcribe.worker.app worker
"""

from __future__ import annotations

import logging

from transcribe.queue import build_queue
from transcribe.settings import get_settings

_settings = get_settings()
logging.basicConfig(
    level=_settings.log_level,
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

app = build_queue(_settings)
