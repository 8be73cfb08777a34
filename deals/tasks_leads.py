"""Scheduled lead job: recall offers past their accept-by time and route the leads onwards.
Safe to run twice: each lead is re-checked under its row lock, so a second run recalls nothing."""

from celery import shared_task

from .leads import services as lead_services


@shared_task(name="deals.tasks_leads.recall_overdue_leads", acks_late=True)
def recall_overdue_leads() -> int:
    return lead_services.recall_overdue_leads()
