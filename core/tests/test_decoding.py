"""The process's decoding slots: at most N pictures decoded at once, and a holder may nest."""

import threading

import pytest

from core.decoding import DEFAULT_SLOTS, decoding_slot, decoding_slots, set_decoding_slots


@pytest.fixture(autouse=True)
def restore_slots():
    before = decoding_slots()
    yield
    set_decoding_slots(before)


def test_no_more_than_the_slots_decode_at_once():
    set_decoding_slots(2)
    inside, most, lock = [0], [0], threading.Lock()
    all_in = threading.Barrier(3, timeout=1)  # three at once would meet here; two time out and go on
    met = []

    def decode():
        with decoding_slot():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            try:
                all_in.wait()
                met.append(True)
            except threading.BrokenBarrierError:
                pass
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=decode) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert met == []
    assert most[0] == 2


def test_a_thread_holding_a_slot_goes_straight_in_again():
    set_decoding_slots(1)
    with decoding_slot(), decoding_slot():  # would wait for itself for ever without the nesting rule
        pass
    with decoding_slot():  # and the slot was given back once, not twice or never
        pass


def test_at_least_one_slot():
    with pytest.raises(ValueError, match="at least one"):
        set_decoding_slots(0)
    assert DEFAULT_SLOTS >= 1
