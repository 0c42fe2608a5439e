from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from followups import kinds
        from followups.models import Kind

        kinds.register(Kind.WEEKLY_DIGEST, render=_render_digest)

        from customers.demo import demo_extra_register

        demo_extra_register("weekly_digests", _demo_digests)


def _render_digest(message):
    from reports.digest import render_message  # the charts' imports only when a digest is sent

    return render_message(message)


def _demo_digests(*, rng, prefix, now) -> int:
    """The demo's managers get last week's digest in the outbox at once (beat's hourly task
    would plan it an hour after `make run` starts); the worker sends it."""
    from reports.digest import digest_plan

    return digest_plan(now=now)
