import gc

import pytest

from paperlike.gcpause import collections_paused


@pytest.fixture(autouse=True)
def collector_back_on():
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_back_on_after():
    gc.enable()
    with collections_paused():
        assert not gc.isenabled()
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves it as the outer one set it
    assert gc.isenabled()


def test_a_caller_who_turned_it_off_finds_it_off():
    gc.disable()

    @collections_paused()
    def work():
        raise ValueError("even on an error")

    with pytest.raises(ValueError):
        work()
    assert not gc.isenabled()


def test_reading_and_building_leave_the_collector_on(seed_corpus):
    import paperlike

    gc.enable()
    paperlike.build_index(paperlike.read_records(paperlike.seed_paths()).records)
    assert gc.isenabled()


def test_a_decorated_function_that_calls_itself_restores_the_collector_once_done():
    gc.enable()

    @collections_paused()
    def depth(n):
        assert not gc.isenabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(3) == 3
    assert gc.isenabled()
