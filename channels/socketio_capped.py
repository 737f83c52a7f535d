"""Rasa's socketio channel (the web page) with the input limits of channels/limits.py.
credentials.yml names it `channels.socketio_capped.CappedSocketIOInput`."""
from __future__ import annotations

from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.limits import OnNewMessage, add_client_ip, capped


class CappedSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(capped(on_new_message))
        add_client_ip(self)
        return blueprint
