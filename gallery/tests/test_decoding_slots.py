"""Every whole-picture decode waits for one of the process's decoding slots (core/decoding.py), so a
burst of 4K pictures arriving together cannot take memory in proportion to the generations running."""

import threading

import pytest

from core.decoding import decoding_slot, decoding_slots, set_decoding_slots
from gallery import files
from openrouter.imagecheck import inspect_image
from tests.fixtures.images import png_bytes
from tests.fixtures.processes import clean_env, manage

PICTURE = png_bytes(640, 480)


@pytest.fixture
def one_slot():
    before = decoding_slots()
    set_decoding_slots(1)
    yield
    set_decoding_slots(before)


def decodes_only_in_a_free_slot(work) -> None:
    """While this thread holds the only slot, `work` in another thread does not finish; once the slot is
    free, it does. (A decode that ignored the slot would finish in milliseconds.)"""
    finished = threading.Event()
    thread = threading.Thread(target=lambda: (work(), finished.set()))
    with decoding_slot():
        thread.start()
        assert not finished.wait(timeout=1), "decoded while every slot was taken"
    assert finished.wait(timeout=60), "never decoded after the slot was freed"
    thread.join(timeout=60)


@pytest.mark.parametrize(
    "work",
    [
        pytest.param(
            lambda: inspect_image(PICTURE, declared_mime="image/png"), id="checking a model's image"
        ),
        pytest.param(lambda: files.make_thumbnail(PICTURE), id="thumbnail"),
        pytest.param(lambda: files.make_display_copy(png_bytes(2600, 1800)), id="display copy"),
    ],
)
def test_each_whole_picture_decode_waits_for_a_slot(one_slot, work):
    decodes_only_in_a_free_slot(work)


def test_the_slots_come_from_easel_decoding_slots(tmp_path):
    command = "from core.decoding import decoding_slots; print(decoding_slots())"
    answer = manage("shell", "-c", command, env=clean_env(tmp_path, EASEL_DECODING_SLOTS="3"))
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().splitlines()[-1] == "3"
