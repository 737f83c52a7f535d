#!/usr/bin/env bash
# The one command that tests everything, quickest failures first: lint; unit tests, with
# data validation, training, NLU and dialogue evaluation with gates running beside them;
# the web page's tests; then end-to-end tests against real servers (REST, socketio,
# triage and blind set, several instances, browser) that start and stop their servers.
#   bash scripts/test.sh            everything (make test, CI)
#   bash scripts/test.sh PART ...   only some: lint unit web train nlu core e2e
source "$(dirname "$0")/env.sh"
started=$(date +%s)
ensure_python_env

run_pytest() {  # pytest's exit 5 (nothing collected) is a failure here, never a pass
  local status=0
  python -m pytest "$@" || status=$?
  if [ "$status" = 5 ]; then echo "pytest collected no tests for: $*" >&2; exit 1; fi
  return "$status"
}

part_lint() {
  step "Lint, format and type check (ruff: ruff.toml; mypy: mypy.ini)"
  ruff check .
  ruff format --check .
  python -m mypy
}

part_unit() {
  step "Unit tests (hospital systems, language, knowledge, actions), on two workers"
  run_pytest tests/unit -q -n 2 --dist worksteal
}

part_web() {
  step "Web page unit tests (node --test)"
  ensure_web_page
  (cd web && npm test --silent)
}

part_train() {
  step "Validating training data and domain"
  python -m scripts.validate_data
  step "Training"
  train_if_needed
}

part_nlu() {
  step "NLU evaluation on the held-out test set (gates in scripts/nlu_gates.py)"
  rm -rf results/nlu
  rasa test nlu --nlu tests/nlu --model "$(latest_model)" --out results/nlu --no-plot >/dev/null
  python -m scripts.nlu_gates results/nlu
}

part_core() {
  step "Dialogue evaluation: test stories, no prediction errors allowed"
  rm -rf results/core
  rasa test core --stories tests --model "$(latest_model)" --out results/core --fail-on-prediction-errors --no-plot
}

part_e2e() {
  step "End-to-end tests against running servers (REST, socketio, triage, blind set, several instances, browser), on two workers"
  ensure_web_page
  ensure_browser
  ensure_cluster_packages
  # Two workers, a test module each at a time: each starts its own servers on free ports.
  XIAOAN_REQUIRE_BROWSER=1 XIAOAN_REQUIRE_CLUSTER=1 \
    run_pytest tests/integration tests/browser -q --durations=12 -n 2 --dist loadfile
}

part_unit_beside_model() {
  # Training and evaluating the Rasa model keeps one core busy for about three minutes,
  # and the unit tests leave part of the other idle: together they take little longer
  # than the unit tests alone. The model's parts run in a process group of their own,
  # stopped if the unit tests fail; their output follows the unit tests'.
  local log=results/model.log status=0
  mkdir -p results
  setsid bash scripts/test.sh train nlu core >"$log" 2>&1 </dev/null &
  local model=$!
  # shellcheck disable=SC2064
  trap "kill -- -$model 2>/dev/null || true" EXIT
  part_unit
  step "Training and evaluation, run beside the unit tests (results/model.log)"
  wait "$model" || status=$?
  trap - EXIT
  cat "$log"
  return "$status"
}

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(lint unit_beside_model web e2e)
for part in "${parts[@]}"; do
  if ! declare -F "part_$part" >/dev/null; then
    echo "unknown part: $part (lint unit web train nlu core e2e unit_beside_model)" >&2; exit 2
  fi
  "part_$part"
done

echo
echo "Passed (${parts[*]}) in $(( $(date +%s) - started )) s. Reports are in results/."
