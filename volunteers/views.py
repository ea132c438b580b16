"""The public page that verifies a proof of volunteer service (no login, throttled)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from volunteers.api import ProofVerifyThrottle, proof_by_serial, proof_public_facts


@require_GET
def proof_verify_page(request: HttpRequest, serial: str) -> HttpResponse:
    """Shows what a proof says, the volunteer's name partly masked and never the ID number."""
    throttle = ProofVerifyThrottle()
    if not throttle.allow_request(request, None):
        wait = throttle.wait()
        response = render(request, "volunteers/verify_throttled.html", status=429)
        if wait:
            response["Retry-After"] = str(int(wait) + 1)
        return response
    facts = proof_public_facts(proof_by_serial(serial))
    return render(request, "volunteers/proof_verify.html", {"proof": facts})
