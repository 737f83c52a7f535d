"""Rasa's REST channel (POST /webhooks/rest/webhook) with the input limits of
channels/limits.py. credentials.yml names it `channels.rest.CappedRestInput`."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from channels.limits import OnNewMessage, capped, client_ip, with_client_ip


class CappedRestInput(RestInput):
    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        return with_client_ip(super().get_metadata(request), client_ip(request))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(capped(on_new_message))
