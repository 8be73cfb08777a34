"""The lists benchmark's p95: ten samples give only their maximum, so a variant at or over the
target after them is timed to the confirming count in all, whose p95 leaves out the slowest
two."""

from types import SimpleNamespace

import pytest

from bench import bench_lists


class _ScriptedClient:
    """Answers every request 200, each taking the next of ``durations`` (milliseconds) on a
    clock the benchmark reads, then the last duration for ever."""

    def __init__(self, durations, status=200):
        self.durations = list(durations)
        self.status = status
        self.now = 0.0
        self.requests = 0

    def perf_counter(self):
        return self.now

    def get(self, path, query):
        self.requests += 1
        taken = self.durations.pop(0) if len(self.durations) > 1 else self.durations[0]
        self.now += taken / 1000
        return SimpleNamespace(status_code=self.status)


def _timed(monkeypatch, durations, count=10, confirm=40, status=200):
    client = _ScriptedClient(durations, status)
    monkeypatch.setattr(bench_lists.time, "perf_counter", client.perf_counter)
    target = bench_lists.Target("page", "/deals/", "ops", "default", {})
    bench_lists._time(client, target, count, confirm)
    return target, client


def test_a_list_under_the_target_is_timed_the_usual_number_of_times(monkeypatch):
    # The warm-up is slow and not counted.
    target, client = _timed(monkeypatch, [900.0] + [50.0] * 10)
    assert len(target.timings) == 10
    assert client.requests == 11
    assert target.p95 == pytest.approx(50.0)


def test_one_stalled_request_is_confirmed_with_more_samples_and_left_out(monkeypatch):
    target, _client = _timed(monkeypatch, [50.0, 60.0, 60.0, 700.0] + [60.0] * 50)
    assert len(target.timings) == 40
    assert max(target.timings) == pytest.approx(700.0)
    assert target.p95 == pytest.approx(60.0)


def test_a_list_over_the_target_stays_over_after_confirming(monkeypatch):
    target, _client = _timed(monkeypatch, [250.0] * 10 + [180.0] * 3 + [250.0])
    assert len(target.timings) == 40
    assert target.p95 == pytest.approx(250.0)
    assert target.p95 >= bench_lists.TARGET_MS


def test_three_stalls_in_forty_are_a_slow_list(monkeypatch):
    durations = [50.0] + ([400.0] + [60.0] * 12) * 3 + [60.0]
    target, _client = _timed(monkeypatch, durations)
    assert len(target.timings) == 40
    assert target.p95 == pytest.approx(400.0)


def test_a_hopeless_list_stops_after_three_samples(monkeypatch):
    target, _client = _timed(monkeypatch, [1500.0])
    assert len(target.timings) == 3
    assert target.p95 == pytest.approx(1500.0)


def test_an_error_answer_stops_the_timing_and_is_named(monkeypatch):
    target, _client = _timed(monkeypatch, [30.0], status=403)
    assert len(target.timings) == 1
    assert "(answered 403)" in target.variant


def test_garbage_is_collected_before_each_timed_request_not_during_it(monkeypatch):
    collections = []
    client = _ScriptedClient([40.0])
    monkeypatch.setattr(bench_lists.gc, "collect", lambda: collections.append(client.requests))
    monkeypatch.setattr(bench_lists.time, "perf_counter", client.perf_counter)
    target = bench_lists.Target("api", "/api/v1/leads/", "ops", "default", {})
    bench_lists._time(client, target, 5, 40)
    # After the warm-up (request 1), before each of the five timed requests.
    assert collections == [1, 2, 3, 4, 5]
