#!/usr/bin/env bash
# `make cluster`: 小安 as several Rasa instances and action servers sharing PostgreSQL
# and a Redis lock store behind nginx, all on this machine (scripts/cluster.py);
# Ctrl-C stops everything it started. Options: --instances N (default 2), --port P (8000).
source "$(dirname "$0")/env.sh"
ensure_python_env
ensure_cluster_packages
ensure_web_page
train_if_needed
exec python -m scripts.cluster "$@"
