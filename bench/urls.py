"""Rapport's URLs plus ``POST /bench/baseline``: a plain Django view that writes one row."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rapport.config.urls import handler400, handler403, handler404, handler500, urlpatterns
from rapport.core.models import AuditEntry


@csrf_exempt
@require_POST
def baseline(request: HttpRequest) -> HttpResponse:
    """Parse a JSON body, insert one row with the ORM, answer with its id."""
    payload = json.loads(request.body)
    entry = AuditEntry.objects.create(
        verb="bench.baseline", object_type="bench", object_id=len(payload.get("text", ""))
    )
    return JsonResponse({"id": entry.pk}, status=201)


urlpatterns = [path("bench/baseline", baseline), *urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
