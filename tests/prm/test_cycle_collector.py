"""Jobs that build large structures pause Python's cycle collector and give it back."""

import gc

import pytest

from prm.jobs import cycle_collector_paused


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_inside_and_running_again_after():
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_failure():
    with pytest.raises(RuntimeError), cycle_collector_paused():
        raise RuntimeError("the job failed")
    assert gc.isenabled()


def test_a_collector_paused_already_stays_paused():
    gc.disable()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
