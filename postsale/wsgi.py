import os

from django.core.wsgi import get_wsgi_application

from postsale.lib import gc_tuning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")
application = get_wsgi_application()
gc_tuning.tune()  # each gunicorn worker imports this module: the app is loaded, then frozen
