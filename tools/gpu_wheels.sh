#!/usr/bin/env bash
# tools/gpu_wheels.sh [--check]: on a development machine with network, download the wheels that the GPU machine
# lacks into .whl/gpu (git-ignored), for tools/gpu_check.sh to install there with `pip --no-index`.
#
# The GPU machine (device kind nvidia-h200) has Python 3.12 with torch, torchvision, numba, opencv, pandas, ... but
# nothing of ours and no network. What it lacks is measured, not guessed (tools/gpu_deps.py): the distributions
# whose modules this project, nbdev's test runner and the #| cuda notebooks' imports load, minus the GPU image's
# package list (tools/gpu_packages.txt, refreshed from the device library's KINDS.md when that file is here).
# The result, one `name==version` a line (the versions installed in .venv, the ones the tests ran with), is written
# to tools/gpu_wheels.txt (tracked: the dry run in tools/check.sh refuses imports outside it and the GPU list), then
# downloaded for CPython 3.12 on manylinux x86_64, no dependencies, one version each.
# Afterwards the wheels are installed into a fresh --target folder with `pip --no-index` (with python3.12 when
# there is one, as the GPU machine does) and every module they hold is imported from there.
# --check also runs the dry run of tools/gpu_check.sh with imports limited to the GPU list plus the wheels.
# Rerun it whenever a dependency changes; it replaces the folder's wheels.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DEST=.whl/gpu
KINDS=${KINDS:-/work/.library/device/KINDS.md}
MAX_MB=60
PLAT=(--python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64)
die() { echo "gpu_wheels: $*" >&2; exit 1; }
check=0
for a in "$@"; do case $a in --check) check=1;; -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0;; *) echo "gpu_wheels: unknown argument $a (use --check or --help)" >&2; exit 2;; esac; done
[ -x "$PY" ] || die "no $PY: create the venv first (README: pip install -e '.[dev]')"

# 1. what the GPU machine lacks
kinds=(); [ -f "$KINDS" ] && kinds=(--kinds "$KINDS")
[ -f "$KINDS" ] || echo "gpu_wheels: $KINDS not here: using tools/gpu_packages.txt as it is"
need=$("$PY" tools/gpu_deps.py "${kinds[@]}" 2> >(grep -v Warning >&2)) || die "tools/gpu_deps.py failed"
[ -n "$need" ] || die "tools/gpu_deps.py found nothing missing: that cannot be right (fastai is not on the GPU machine)"
{ echo "# The wheels tools/gpu_wheels.sh downloads into .whl/gpu: what the GPU machine lacks (tools/gpu_deps.py). Generated."
  echo "$need"; } > tools/gpu_wheels.txt
echo "gpu_wheels: $(echo "$need" | wc -l) distributions needed: $(echo $need)"

# 2. download into a fresh folder, then swap it in
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$PY" -m pip download -q --no-deps --only-binary=:all: "${PLAT[@]}" -d "$tmp/dl" $need 2> >(grep -v 'WARNING: Location' >&2) ||
  die "pip download failed"
dups=$(ls "$tmp/dl" | sed 's/-[0-9].*//' | tr 'A-Z-.' 'a-z__' | sort | uniq -d)
[ -z "$dups" ] || die "two versions of: $dups"
[ "$(ls "$tmp/dl" | wc -l)" = "$(echo "$need" | wc -l)" ] || die "expected $(echo "$need" | wc -l) wheels, got $(ls "$tmp/dl" | wc -l)"
mkdir -p "$DEST" && rm -f "$DEST"/*.whl && mv "$tmp/dl"/*.whl "$DEST"/
kb=$(du -sk "$DEST" | cut -f1)
(cd "$DEST" && ls -S | while read -r f; do printf '  %6s KiB  %s\n' "$(du -k "$f" | cut -f1)" "$f"; done)
echo "gpu_wheels: $(ls "$DEST"/*.whl | wc -l) wheels, $((kb/1024)).$(( (kb%1024)*10/1024 )) MiB in $DEST"
[ "$kb" -le $((MAX_MB*1024)) ] || die "$DEST is over $MAX_MB MiB"

# 3. they install with pip --no-index into a fresh target, and every module in them imports from there
t="$tmp/target"
PY12=${PY12:-}  # a Python 3.12 to install and import with, as on the GPU machine: python3.12, else pyenv's
for c in python3.12 "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3.12; do
  [ -n "$PY12" ] && break; "$c" -m pip --version >/dev/null 2>&1 && PY12=$c
done
if [ -n "$PY12" ]; then
  $PY12 -m pip install -q --root-user-action=ignore --no-index --no-deps --no-compile --target "$t" "$DEST"/*.whl || die "pip --no-index --target failed"
else
  echo "gpu_wheels: no python3.12 here: installing for 3.12 with this pip's --python-version; imports not tried"
  "$PY" -m pip install -q --no-index --no-deps --only-binary=:all: "${PLAT[@]}" --target "$t" "$DEST"/*.whl || die "pip --no-index --target failed"
fi
echo "gpu_wheels: pip install --no-index --no-deps --target <fresh dir> ${PY12:+(with $PY12) }: $(ls -d "$t"/*.dist-info | wc -l) distributions installed"
if [ -n "$PY12" ]; then
  mods=$(cd "$t" && ls -d */__init__.py *.py 2>/dev/null | sed 's|/__init__.py$||; s|\.py$||' | grep -v -e '^_' -e '^bin$' | sort -u)
  ok=(); gpu=(); bad=()
  for m in $mods; do
    err=$(PYTHONPATH="$t" $PY12 -c "import $m" 2>&1 >/dev/null) && { ok+=("$m"); continue; }
    miss=$(echo "$err" | sed -n "s/.*ModuleNotFoundError: No module named '\([^'.]*\).*/\1/p" | tail -1)
    # a module missing only because the GPU image provides it (numpy, torch, ...) is fine
    if [ -n "$miss" ] && "$PY" - "$miss" <<'EOF'
import re, sys
from importlib.metadata import packages_distributions
norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
gpu = {norm(l) for l in open('tools/gpu_packages.txt').read().split('\n') if l and not l.startswith('#')}
sys.exit(0 if any(norm(d) in gpu for d in packages_distributions().get(sys.argv[1], [])) else 1)
EOF
    then gpu+=("$m (needs $miss)"); else bad+=("$m: $(echo "$err" | tail -1)"); fi
  done
  echo "gpu_wheels: imported with $PY12 from the target alone: ${#ok[@]} modules (${ok[*]})"
  [ ${#gpu[@]} = 0 ] || echo "gpu_wheels: need a package of the GPU image, not importable here: ${gpu[*]}"
  [ ${#bad[@]} = 0 ] || { printf 'gpu_wheels: FAIL %s\n' "${bad[@]}"; exit 1; }
fi

# 4. --check: the dry run, with imports limited to the GPU list + these wheels (the default of --dry-run)
if [ $check = 1 ]; then
  PYTHON="$(realpath "$PY")" bash tools/gpu_check.sh --dry-run || die "the dry run failed"
fi
echo "gpu_wheels: done. On a GPU machine: run(command=\"bash tools/gpu_check.sh\", carry=[\".whl/gpu\"], timeout_s=540)"
