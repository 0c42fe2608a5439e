import os

from celery import Celery, signals
from kombu.transport import TRANSPORT_ALIASES

# The embedded broker: filesystem:// means kombu's file transport with atomic writes, in every
# process that imports the app (web, worker, beat, commands), whatever sets the URL.
TRANSPORT_ALIASES["filesystem"] = "postsale.lib.filebroker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

app = Celery("postsale")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect  # each prefork child, once it has started
@signals.worker_ready.connect  # the solo and threads pools run tasks in the main process
def _tune_garbage_collection(**_kwargs):
    from postsale.lib import gc_tuning

    gc_tuning.tune()
