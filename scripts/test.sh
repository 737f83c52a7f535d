#!/usr/bin/env bash
# The one command that tests everything: unit tests, data validation, training,
# NLU and dialogue evaluation with gates, and end-to-end tests against real servers
# (REST, socketio, triage evaluation, browser) that start and stop their servers.
source "$(dirname "$0")/env.sh"
started=$(date +%s)
ensure_python_env
ensure_web_page

run_pytest() {  # pytest's exit 5 (nothing collected) is a failure here, never a pass
  local status=0
  python -m pytest "$@" || status=$?
  if [ "$status" = 5 ]; then echo "pytest collected no tests for: $*" >&2; exit 1; fi
  return "$status"
}

step "Unit tests (hospital systems, language, knowledge, actions)"
run_pytest tests/unit -q

step "Validating training data and domain"
python -m scripts.validate_data

step "Training"
train_if_needed
MODEL=$(latest_model)

step "NLU evaluation on the held-out test set (gates in scripts/nlu_gates.py)"
rm -rf results/nlu
rasa test nlu --nlu tests/nlu --model "$MODEL" --out results/nlu --no-plot >/dev/null
python -m scripts.nlu_gates results/nlu

step "Dialogue evaluation: test stories, no prediction errors allowed"
rm -rf results/core
rasa test core --stories tests --model "$MODEL" --out results/core --fail-on-prediction-errors --no-plot

step "End-to-end tests against running servers (REST, socketio, triage, several instances, browser)"
ensure_browser
ensure_cluster_packages
XIAOAN_REQUIRE_BROWSER=1 XIAOAN_REQUIRE_CLUSTER=1 run_pytest tests/integration tests/browser -q

echo
echo "All tests passed in $(( $(date +%s) - started )) s. Reports are in results/."
