#!/usr/bin/env bash
# The project's test command (README, `.ci/run`): install into .venv if needed, then
#   1. the nbdev3 gate: nbdev-clean and nbdev-export must not change the tree; README.md must match nbs/index.ipynb
#   2. every notebook's tests (nbdev-test, via tools/nbtest.py; 14_docs also checks that everything is documented)
#   2b. the GPU check's dry run (tools/gpu_check.sh --dry-run: its steps at tiny sizes on the CPU, so it cannot rot)
#   3. the docs site: `doodle-docs` builds _site/ from nbdev's processed notebooks with mkdocs-material (no quarto)
#      and _site/draw/, the web page's draw-and-guess files (npm ci of web/package-lock.json: needs npm and the npm registry)
#   4. the browser check: _site/ served on 127.0.0.1, every page opened in headless Chromium (tools/browser_check.py),
#      screenshots in artifacts/screenshots/
# Each step runs even when an earlier one failed (the browser check needs a fresh build); the summary at the end gives
# each step's status and time, and the exit status is 1 if any step failed.
# Flags: NBDEV_FLAGS="slow" (or "slow cuda" on a GPU machine) runs the flagged cells too.
# Chromium: installed with apt when missing; if that is impossible the browser step is skipped with a loud message,
# except under CI=true, where that is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv || exit 1; fi
.venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -v '^WARNING: Location'
[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: pip install -e '.[dev]'"; exit 1; }
source .venv/bin/activate

results=(); failed=0
record() { results+=("$(printf '%-5s %5ss  %s' "$1" "$2" "$3")"); [ "$1" = FAIL ] && failed=1; return 0; }
step() {  # step NAME COMMAND...: run it, time it, record ok/FAIL
  local name=$1 t0=$SECONDS; shift
  echo; echo "== $name"
  if "$@"; then record ok $((SECONDS-t0)) "$name"; return 0; else record FAIL $((SECONDS-t0)) "$name"; return 1; fi
}

tree_sums() { find nbs doodle_fastai -type f -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 md5sum; }
clean_export() {
  local before after changed
  before=$(tree_sums)
  nbdev-clean && nbdev-export || return 1
  after=$(tree_sums)
  changed=$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | awk '{print $3}' | sort -u)
  if [ -n "$changed" ]; then
    echo "FAIL: notebooks were not clean or the library was out of sync with them; nbdev-clean && nbdev-export changed"
    echo "(now fixed in the working tree: review and commit):"; echo "$changed" | sed 's/^/  /'; return 1
  fi
}

find_chromium() { [ -n "${CHROMIUM:-}" ] || command -v chromium || command -v chromium-browser || command -v google-chrome; }
install_chromium() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null && find_chromium
}

step "nbdev-clean / nbdev-export leave the tree unchanged" clean_export
step "README.md is generated from nbs/index.ipynb (doodle-docs --readme --check)" doodle-docs --readme --check
# 11_app's browser test (doodle-serve in headless Chromium) runs with the notebooks: install Chromium before them
find_chromium >/dev/null || { echo; echo "== install chromium (apt), for 11_app's browser test and the docs check"; install_chromium >/dev/null || echo "!!! no Chromium: 11_app's browser test will fail"; }
step "nbdev-test, every notebook (flags: ${NBDEV_FLAGS:-none})" python tools/nbtest.py --flags "${NBDEV_FLAGS:-}"
step "GPU check, dry run on the CPU (tools/gpu_check.sh --dry-run)" bash tools/gpu_check.sh --dry-run
if step "docs site -> _site/ (doodle-docs)" doodle-docs; then
  have_chromium=1
  if ! find_chromium >/dev/null; then
    echo; echo "== install chromium (apt)"; t0=$SECONDS
    if install_chromium; then record ok $((SECONDS-t0)) "install chromium (apt)"; else have_chromium=0; fi
  fi
  if [ $have_chromium = 1 ]; then
    step "browser check of _site/ in headless Chromium" python tools/browser_check.py
  elif [ "${CI:-}" = true ]; then
    record FAIL 0 "browser check: no Chromium and apt could not install it (CI=true: this is a failure)"
  else
    echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!!! SKIPPING THE BROWSER CHECK: Chromium is missing and apt-get could not install it."
    echo "!!! Install it (apt-get install chromium) or point \$CHROMIUM at a Chrome/Chromium binary, then rerun."
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    record SKIP 0 "browser check (NO CHROMIUM: see the message above)"
  fi
else
  record FAIL 0 "browser check: not run, the docs build failed"
fi

echo; echo "== summary (${SECONDS}s in all)"
printf '%s\n' "${results[@]}"
n_ok=0; n_fail=0
for r in "${results[@]}"; do case "$r" in ok*) n_ok=$((n_ok+1));; FAIL*) n_fail=$((n_fail+1));; esac; done
echo "checks: $n_ok passed, $n_fail failed"
exit $failed
