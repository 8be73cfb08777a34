"""The throughput benchmark's endpoints take turns: each endpoint's time is split into rounds
taken in rotation, and its requests per second are counted over its own turns only."""

import pytest

from bench import bench_api_throughput as bench


def test_the_turns_rotate_through_the_endpoints_without_gaps_or_overlaps(monkeypatch):
    monkeypatch.setattr(bench, "PHASE_SECONDS", 15.0)
    monkeypatch.setattr(bench, "ROUNDS", 3)
    started = 1000.0
    windows = sorted(
        (start, end, phase)
        for phase in range(len(bench.ENDPOINTS))
        for start, end in bench.turns(started, phase)
    )
    assert [phase for _start, _end, phase in windows] == [0, 1, 2] * 3
    assert windows[0][0] == started
    assert windows[-1][1] == pytest.approx(started + 45.0)
    for (_s1, end, _p1), (start, _e2, _p2) in zip(windows, windows[1:], strict=False):
        assert start == pytest.approx(end)
    assert all(end - start == pytest.approx(5.0) for start, end, _phase in windows)


class _FlatCpu:
    def used_between(self, start, end):
        return 0.001 * (end - start)  # one CPU millisecond per second


def test_each_endpoint_is_counted_over_its_own_turns(monkeypatch):
    monkeypatch.setattr(bench, "PHASE_SECONDS", 6.0)
    monkeypatch.setattr(bench, "ROUNDS", 2)
    started = 0.0
    requests = []
    for phase, name in enumerate(bench.ENDPOINTS):
        per_second = (phase + 1) * 10  # healthz 10/s, tiers 20/s, deal list 30/s
        for start, end in bench.turns(started, phase):
            n = int((end - start) * per_second)
            requests += [
                {"name": name, "start": start + i / per_second, "ms": 5.0, "status": 200}
                for i in range(n)
            ]
    requests.append({"name": "tiers", "start": 100.0, "ms": 5.0, "status": 500})  # after the run
    stats = bench._summarise(requests, started, _FlatCpu())
    assert stats["healthz"]["rps"] == pytest.approx(10)
    assert stats["tiers"]["rps"] == pytest.approx(20)
    assert stats["deal_list"]["rps"] == pytest.approx(30)
    assert stats["tiers"]["failed"] == 1  # a failure outside the turns still fails the run
    assert stats["healthz"]["cpu_ms"] == pytest.approx(0.1)  # 6 ms of CPU over 60 requests
