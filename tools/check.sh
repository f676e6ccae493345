#!/usr/bin/env bash
# The project's test command (README, `.ci/run`): install into .venv if needed, check that the notebooks are clean
# and exported (the nbdev3 CI gate), run every notebook's tests, then build and browser-test the docs site.
# Flags: NBDEV_FLAGS="slow" (or "slow cuda" on a GPU machine) runs the flagged cells too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
source .venv/bin/activate

echo "== nbdev-clean / nbdev-export must not change the tree"
before=$(git status --porcelain -- nbs doodle_fastai | md5sum)
nbdev-clean
nbdev-export
after=$(git status --porcelain -- nbs doodle_fastai | md5sum)
if [ "$before" != "$after" ]; then
  echo "FAIL: notebooks are not clean or the library is out of sync with them; run nbdev-clean && nbdev-export and commit:"
  git status --porcelain -- nbs doodle_fastai; exit 1
fi

echo "== nbdev-test ${NBDEV_FLAGS:-}"
python tools/nbtest.py --flags "${NBDEV_FLAGS:-}"
