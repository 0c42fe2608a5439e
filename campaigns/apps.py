from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from campaigns import mail
        from followups import kinds
        from followups.models import Kind

        kinds.register(Kind.CAMPAIGN, context=mail.context, unwanted=mail.unwanted)

        from campaigns.demo import demo_campaign
        from customers.demo import demo_extra_register

        demo_extra_register("campaign_members", demo_campaign)
