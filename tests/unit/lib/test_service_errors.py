"""The one map from the domain's refusals to HTTP answers."""

from __future__ import annotations

import pytest

from transcribe.lib import errors


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInput, 400),
        (errors.NotAuthenticated, 401),
        (errors.QuotaExceeded, 402),
        (errors.Forbidden, 403),
        (errors.NotFound, 404),
        (errors.Conflict, 409),
        (errors.Gone, 410),
        (errors.TooLarge, 413),
        (errors.UnsupportedMediaType, 415),
        (errors.RateLimited, 429),
    ],
)
def test_each_refusal_has_its_status_and_keeps_its_words(
    error: type[errors.ServiceError], status: int
) -> None:
    answer = errors.as_http(error("Plain words for the user"))
    assert answer.status_code == status
    assert answer.detail == "Plain words for the user"
    assert not answer.headers


def test_every_refusal_is_mapped() -> None:
    kinds = set(errors.ServiceError.__subclasses__())
    assert kinds == set(errors.HTTP_ANSWERS)


def test_a_rate_limit_says_when_to_come_back() -> None:
    answer = errors.as_http(errors.RateLimited("Slow down", retry_after_s=42))
    assert answer.status_code == 429 and answer.headers == {"Retry-After": "42"}


def test_a_subclass_answers_like_its_parent() -> None:
    class NoSuchJob(errors.NotFound):
        pass

    assert errors.as_http(NoSuchJob("No such job")).status_code == 404
