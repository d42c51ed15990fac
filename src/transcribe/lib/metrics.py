"""Request metrics: Litestar's Prometheus middleware, labelled by route template."""

from __future__ import annotations

from litestar.plugins.prometheus import PrometheusConfig


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name="transcribe",
        prefix="transcribe",
        group_path=True,  # label by route template, not by every job id
        exclude=["^/metrics$"],
    )
