"""The long-running processes collect garbage less often once started (postsale/lib/gc_tuning.py)."""

import gc
import subprocess
import sys

import pytest
from celery import signals

from postsale.lib import gc_tuning
from tests.services import ROOT


@pytest.fixture
def restored_gc():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tune_freezes_what_is_loaded_and_raises_the_thresholds(restored_gc, settings):
    settings.GC_TUNING = True
    assert gc_tuning.tune() is True
    assert gc.get_threshold() == (gc_tuning.GC_GEN0, gc_tuning.GC_GEN1, gc_tuning.GC_GEN2)
    assert gc.get_freeze_count() > 10_000, "Django and the apps are out of the collector's sight"


def test_turned_off_it_leaves_the_defaults(restored_gc, settings):
    settings.GC_TUNING = False
    before = gc.get_threshold()
    assert gc_tuning.tune() is False
    assert gc.get_threshold() == before


def test_a_gunicorn_worker_loading_the_app_is_tuned():
    code = "import gc, postsale.wsgi; print(gc.get_threshold(), gc.get_freeze_count() > 0)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == f"{(gc_tuning.GC_GEN0, gc_tuning.GC_GEN1, gc_tuning.GC_GEN2)} True"


def test_celery_workers_tune_when_their_processes_start():
    import postsale.celery as celery_module

    receivers = [ref() for _key, ref in signals.worker_process_init.receivers] + [
        ref() for _key, ref in signals.worker_ready.receivers
    ]
    hook = celery_module._tune_garbage_collection
    assert receivers.count(hook) == 2
