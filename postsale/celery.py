import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# The embedded broker: filesystem:// means kombu's file transport with atomic writes, in every
# process that imports the app (web, worker, beat, commands), whatever sets the URL.
TRANSPORT_ALIASES["filesystem"] = "postsale.lib.filebroker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

app = Celery("postsale")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
