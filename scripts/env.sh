# Sourced by run.sh and test.sh: a Python 3.10 virtual environment with the pinned
# requirements, the web page built, the hospital database seeded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="ignore::DeprecationWarning"
UV_VERSION=0.13.8  # installs requirements.txt (ensure_python_env)
# The same model on every machine as far as TensorFlow allows: deterministic kernels, no
# oneDNN (its kernels differ by CPU), fixed thread counts (how a sum is split across
# threads changes its rounding). The spread that remains is measured in README.md (Tests).
export TF_DETERMINISTIC_OPS=1 TF_ENABLE_ONEDNN_OPTS=0
export TF_INTRA_OP_PARALLELISM_THREADS=2 TF_INTER_OP_PARALLELISM_THREADS=1

step() { printf '\n\033[1m== %s\033[0m  (%s s in)\n' "$*" "$SECONDS"; }

find_python310() {
  for candidate in python3 python3.10 "$(pyenv root 2>/dev/null)/versions/3.10"*/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.10 is required (Rasa 3.6 does not support 3.11); install it, e.g. 'pyenv install 3.10'." >&2
  return 1
}

ensure_python_env() {
  if [ ! -x .venv/bin/python ]; then
    step "Creating the virtual environment (.venv, Python 3.10)"
    "$(find_python310)" -m venv .venv
  fi
  local want have
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  have=$(cat .venv/.requirements.sha 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    # uv installs the same pinned packages as pip in a seventh of the time (parallel
    # downloads, no byte-compiling of TensorFlow up front): 25 s instead of 170 s here.
    step "Installing pinned Python packages with uv (first time: under a minute)"
    [ -x .venv/bin/uv ] || .venv/bin/pip install -q "uv==$UV_VERSION"
    .venv/bin/uv pip install -q --python .venv/bin/python -r requirements.txt
    echo "$want" > .venv/.requirements.sha
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
}

ensure_web_page() {
  [ -f web/package.json ] || return 0
  local want have
  want=$(cat web/package-lock.json web/package.json | sha256sum | cut -d' ' -f1)
  have=$(cat web/node_modules/.lock.sha 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    step "Installing the web page's npm packages"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > web/node_modules/.lock.sha
  fi
  step "Building the web page"
  (cd web && npm run --silent build)
}

ensure_database() {
  step "Hospital database (mock HIS/LIS): create and seed if needed"
  python -m hospital.demo
}

latest_model() { ls -t models/*.tar.gz 2>/dev/null | head -n 1; }

train_if_needed() {
  step "Training (skipped by Rasa when data, domain and config are unchanged)"
  rasa train --fixed-model-name xiaoan --out models
}

apt_install() {
  # One apt at a time: two test runs on one machine (two clones side by side) would
  # otherwise fail on apt's lock; the second waits and then finds the packages there.
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo flock /tmp/xiaoan-apt.lock sh -c \
    "apt-get update -qq -o DPkg::Lock::Timeout=300 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 $* >/dev/null"
}

ensure_browser() {
  # The browser tests drive Debian's Chromium (Playwright's own download cannot work
  # offline); CJK fonts make Chinese readable in the screenshots.
  if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    step "Installing Chromium and CJK fonts for the browser tests (Debian packages)"
    apt_install chromium fonts-noto-cjk
  fi
}

ensure_cluster_packages() {
  # Several instances (make cluster, tests/integration/test_cluster.py) share PostgreSQL
  # and Redis behind nginx: the distribution's packages, started by scripts/cluster.py
  # on free loopback ports (the packages' own services are not used).
  if ! python -c 'import sys; from scripts.cluster import missing_packages; sys.exit(bool(missing_packages()))'; then
    step "Installing PostgreSQL, Redis and nginx for several instances (Debian packages)"
    apt_install postgresql redis-server nginx
  fi
}
