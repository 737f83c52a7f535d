#!/usr/bin/env bash
# The one command that runs 小安: set up, seed, train if needed, start the action
# server, the Rasa server (REST + socketio, HTTP API behind a token) and the web
# page; Ctrl-C stops everything it started.
source "$(dirname "$0")/env.sh"
ensure_python_env
ensure_web_page
ensure_database
train_if_needed
exec python -m scripts.serve "$@"
