"""The jobs table's short ids: as short as they can be, never ambiguous among those shown."""

from __future__ import annotations

import uuid

from transcribe_cli.output import SHORT_ID, short_ids


def test_ids_made_far_apart_show_their_first_characters() -> None:
    ids = ["01a23c0d-09f4-7541-9a6b-505310e0f94a", "01b77e00-1111-7000-8000-000000000000"]
    assert short_ids(ids) == [i[:SHORT_ID] for i in ids]


def test_ids_made_in_the_same_minute_show_as_much_as_tells_them_apart() -> None:
    ids = [str(uuid.UUID(int=(0x01A23C0D09F4 << 80) | n)) for n in (1, 2, 3)]  # same time
    shown = short_ids(ids)
    assert len(set(shown)) == 3
    for short, whole in zip(shown, ids, strict=True):
        assert whole.startswith(short)
        assert [i for i in ids if i.startswith(short)] == [whole]  # names exactly one
        # and no shorter: one character less would name another too
        assert len(short) == SHORT_ID or any(o.startswith(short[:-1]) for o in ids if o != whole)


def test_one_id_alone_is_cut_to_the_shortest() -> None:
    assert short_ids(["01a23c0d-09f4-7541-9a6b-505310e0f94a"]) == ["01a23c0d"]
