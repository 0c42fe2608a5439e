"""The garbage collector's settings for the long-running processes: gunicorn and Celery workers.

CPython collects its youngest generation every 700 new container objects. Rendering one mail
through Django's templates creates thousands, so a dispatching worker runs several collections per
mail that find next to nothing. bench/gc_bench.py measures dispatch both ways: about 1.06x the
messages/s tuned (median of 5 rounds at 20,000 customers, 0.99-1.13x; with the collector off
altogether 1.2x); the public pages under wrk showed no difference beyond the noise. After
start-up, `tune()`:

- moves everything loaded so far (Django, the apps, the compiled templates) out of the
  collector's sight (`gc.freeze()`): it is never garbage, and a pre-fork server's children then
  also keep those pages shared instead of touching them;
- collects the youngest generation every GC_GEN0 (50,000) new objects, the older ones every
  GC_GEN1 and GC_GEN2 collections of the one below (20 and 100; CPython's 10 and 10).

Cycles still get collected, a little later, and a worker's memory grows by at most the garbage
of 50,000 objects between collections. Set GC_TUNING=false to keep CPython's defaults.
"""

import gc

from django.conf import settings

GC_GEN0, GC_GEN1, GC_GEN2 = 50_000, 20, 100


def enabled() -> bool:
    return getattr(settings, "GC_TUNING", True)


def tune() -> bool:
    """Apply the settings above to this process (idempotent); False when turned off."""
    if not enabled():
        return False
    gc.collect()  # what start-up left behind is collected once, not frozen
    gc.freeze()
    gc.set_threshold(GC_GEN0, GC_GEN1, GC_GEN2)
    return True
