from celery import shared_task


@shared_task(acks_late=True)
def sla_escalation_sweep_task() -> int:
    """Beat: escalate the cases past their SLA (each once per clock run)."""
    from support.services import sla_escalation_sweep

    return sla_escalation_sweep()


@shared_task(acks_late=True)
def sla_recompute_task() -> int:
    """After the calendar or the targets changed: every open case's due times again."""
    from customers.services import complaints_sla_recompute

    return complaints_sla_recompute()
