"""Rasa's socketio channel (the web page) with the input limits of channels/limits.py.
credentials.yml names it `channels.socketio_capped.CappedSocketIOInput`.

With python-socketio >= 5.10 Rasa's own channel loses replies (RasaHQ/rasa#13027):
this class's two lines belong in whichever socketio channel subclass fixes that.
"""
from __future__ import annotations

from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.limits import OnNewMessage, add_client_ip, capped


class CappedSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(capped(on_new_message))
        add_client_ip(self)
        return blueprint
