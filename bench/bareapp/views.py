"""The baseline: the least a Django view does to take an authenticated JSON POST and store it.

Same server, same database, same middleware and the same token as the filing endpoint: it
looks the token up (what DRF's TokenAuthentication does: one query), parses the body and
inserts one row. What the filing endpoint costs beyond this is the price of the domain.
"""
import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from bench.bareapp.models import BareRow


@csrf_exempt
@require_POST
def bare_insert(request):
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    token = Token.objects.select_related("user").filter(key=key.strip()).first() if scheme == "Token" else None
    if token is None or not token.user.is_active:
        return JsonResponse({"detail": "unauthenticated"}, status=401)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "malformed JSON"}, status=400)
    row = BareRow.objects.create(user=token.user, title=str(body.get("title", ""))[:100])
    return JsonResponse({"id": row.pk}, status=201)
