"""The "History" page of a customer or a case: who changed what, 50 changes a page."""

from django.shortcuts import render

from customers.history import changes

PER_PAGE = 50


def history_page(request, history, *, title: str, back_url: str):
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    start = (page - 1) * PER_PAGE
    context = {
        "changes": changes(history, start=start, stop=start + PER_PAGE),
        "has_next": history.count() > start + PER_PAGE,
        "page": page,
        "title": title,
        "back_url": back_url,
    }
    return render(request, "support/history.html", context)
