#!/usr/bin/env bash
# `make shell` / `make interactive`: Rasa's own command-line tools against this project,
# with the action server started beside them on a fresh secret and stopped afterwards.
#   rasa shell        talk to the trained model in the terminal
#   rasa interactive  teach it by example; save the stories it writes into data/
source "$(dirname "$0")/env.sh"
ensure_python_env
ensure_database
train_if_needed
ACTION_SERVER_TOKEN=$(python -c 'import secrets; print(secrets.token_hex(24))')
export ACTION_SERVER_TOKEN
python -m actions.server --port 5055 &
action_server=$!
trap 'kill "$action_server" 2>/dev/null; wait "$action_server" 2>/dev/null' EXIT
case "${1:-shell}" in
  shell) rasa shell --model "$(latest_model)" --endpoints endpoints.yml ;;
  interactive) rasa interactive --model "$(latest_model)" --endpoints endpoints.yml --skip-visualization ;;
  *) echo "usage: $0 shell|interactive" >&2; exit 2 ;;
esac
