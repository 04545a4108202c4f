"""BatchMemo: one read per key inside a batch, none kept outside it."""

from __future__ import annotations

from yingji.core.batch import BatchMemo


def test_reads_once_per_key_inside_a_batch_and_every_time_outside() -> None:
    memo: BatchMemo[str, int] = BatchMemo("test_memo")
    calls: list[str] = []

    def load(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert memo.get("a", lambda: load("a")) == 1
    assert memo.get("a", lambda: load("a")) == 2  # no batch: nothing kept
    with memo.active():
        first = memo.get("a", lambda: load("a"))
        with memo.active():  # nested: the outer memo is kept
            assert memo.get("a", lambda: load("a")) == first
        assert memo.get("b", lambda: load("b")) == first + 1
    assert memo.get("a", lambda: load("a")) == first + 2  # the batch's memo is gone
    assert calls == ["a", "a", "a", "b", "a"]
