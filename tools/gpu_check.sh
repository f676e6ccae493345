#!/usr/bin/env bash
# tools/gpu_check.sh [--dry-run]: measure the CUDA path on a bare GPU machine in one command, in at most 8 minutes.
#
# Made for the device tool's GPU machine: Python 3.12 with torch, torchvision, numba, opencv, pandas, ... but nothing
# of ours and no network. Run from the project root, with the wheels of tools/gpu_wheels.sh carried along:
#   run(command="bash tools/gpu_check.sh", carry=[".whl/gpu"], timeout_s=540)
# Steps, each timed and printed as one line (results also in $OUT/gpu_check.json and every step's output in
# $OUT/gpu_check.log when $OUT is set):
#   0 setup       the wheels of .whl/gpu installed into a temporary target with `pip --no-index`; the project and
#                 that target on PYTHONPATH (no install of the project); console-script shims for doodle-*
#   1 environment GPU, driver, torch/CUDA versions, CPU count
#   2 ingest      data/quickdraw (and data/quickdraw-more when present) into one database on local disk
#   3 cuda cells  nbdev's test runner with the `cuda` flag on the notebooks that have #| cuda cells
#   4 loader      `doodle-bench loader --device cuda --num-workers $(nproc)` at 128 px, bs 256: loader images/s next
#                 to the model's fp16 channels-last training rate on in-GPU tensors, and their ratio (goal >= 1.2)
#   5 profile     one batch's stages timed alone: SQLite fetch, render (with the training augmentation),
#                 collate + hand-off between processes, host->device copy: which stage bounds the loader
#   6 train       a short fp16 `doodle-train --device cuda` of every category at 128 -> 144 px: images/s of the
#                 training phases, GPU utilisation sampled by nvidia-smi during them (goal >= 90%), valid MAP@3
#   7 predict     `doodle-predict --amp` on the held-out test drawings: drawings/s and test MAP@3
# Every command runs under `timeout` with what is left of the 8-minute budget (GPU_CHECK_BUDGET seconds), so the
# script stops in time whatever happens; a step with too little time left is skipped with a line saying so.
# --dry-run: the same steps with tiny sizes on the CPU (tools/check.sh runs it): the CUDA-only ones are reported as
# skipped, imports are limited to the GPU image's packages + tools/gpu_wheels.txt (tools/gpu_sim), and the wheels,
# when .whl/gpu is here, are installed into a temporary target for Python 3.12 (used only when this is 3.12).
# GPU_CHECK_KEEP=1 keeps the work directory (database, model, logs); GPU_CHECK_EPOCHS (default 4,2) sets the training.
# GPU_CHECK_SKIP="3 5" skips those steps (for a rerun; 0 to 2 are what later steps stand on).
# Exit status: 0 when no step failed, 1 otherwise, 2 for a bad argument.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
DRY=0
for a in "$@"; do case $a in
  --dry-run) DRY=1;;
  -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0;;
  *) echo "gpu_check: unknown argument '$a' (usage: tools/gpu_check.sh [--dry-run])" >&2; exit 2;;
esac; done
PY=${PYTHON:-python3}
BUDGET=${GPU_CHECK_BUDGET:-480}
NCPU=$(nproc)
T0=$EPOCHREALTIME
W=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")   # local disk: the database, the model, the logs
mkdir -p "$W/logs" "$W/bin"
SAMPLER=""
cleanup() { [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; [ -n "${GPU_CHECK_KEEP:-}" ] || rm -rf "$W"; }
trap cleanup EXIT
trap 'echo "gpu_check: interrupted" >&2; exit 130' INT TERM

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%d", b-a}'; }
left() { echo $(( BUDGET - $(elapsed) )); }
# tmo CMD...: CMD under `timeout`, killed at the current step's deadline (or the global one, whichever is first)
tmo() { local s=$(( DEADLINE - $(elapsed) )); [ $s -lt 1 ] && s=1; timeout -k 5 "$s" "$@"; }
# cpu_s: CPU seconds (user + system) used so far by this script's finished child processes (from /proc: `times` in a
# command substitution would only see the subshell's)
CLK_TCK=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$CLK_TCK" '{sub(/^.*\) /, ""); printf "%.1f", ($14+$15)/hz}' /proc/$$/stat; }
json_str() { "$PY" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

STEPS=()   # JSON objects, one per step
failed=0
# step ID NAME CAP FUNCTION: run FUNCTION (which sets LINE, STATUS and DATA, a JSON object) with at most CAP seconds
step() {
  local id=$1 name=$2 cap=$3 fn=$4 t l
  l=$(left)
  LINE=""; STATUS=ok; DATA="{}"; CPU=0
  if [[ " ${GPU_CHECK_SKIP:-} " == *" $id "* ]]; then STATUS=skipped; LINE="skipped (GPU_CHECK_SKIP)"; t=0
  elif [ "$l" -lt 8 ]; then STATUS=skipped; LINE="skipped: ${l}s of the ${BUDGET}s budget left"; t=0
  else
    [ $DRY = 1 ] && cap=$l   # the dry run has the global budget only: a loaded CI machine is slow, not broken
    [ "$cap" -gt $((l-3)) ] && cap=$((l-3))
    DEADLINE=$(( $(elapsed) + cap ))
    local t1=$EPOCHREALTIME c1; c1=$(cpu_s)
    "$fn" > "$W/logs/$id-$name.log" 2>&1 < /dev/null
    local rc=$?
    t=$(awk -v a="$t1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
    CPU=$(awk -v a="$c1" -v b="$(cpu_s)" 'BEGIN{printf "%.1f", b-a}')
    if [ $rc -ne 0 ] && [ "$STATUS" = ok ]; then STATUS=FAIL; fi
    "$PY" -c 'import json,sys; assert isinstance(json.loads(sys.argv[1]), dict)' "$DATA" 2>/dev/null || DATA="{}"
    if [ "$(elapsed)" -ge "$DEADLINE" ] && [ "$STATUS" = FAIL ]; then STATUS=FAIL; LINE="timed out after ${cap}s. $LINE"; fi
  fi
  printf '%s %-11s %-7s %6ss  %s\n' "$id" "$name" "$STATUS" "$t" "$LINE"
  if [ "$STATUS" = FAIL ]; then failed=1; tail -n 15 "$W/logs/$id-$name.log" 2>/dev/null | sed 's/^/      | /'; fi
  STEPS+=("{\"id\": $id, \"name\": \"$name\", \"status\": \"$STATUS\", \"seconds\": $t, \"cpu_seconds\": $CPU, \"line\": $(json_str "$LINE"), \"data\": $DATA}")
  write_json
}
write_json() {
  [ -n "${OUT:-}" ] || return 0
  mkdir -p "$OUT"
  local IFS=,
  printf '{"dry_run": %s, "budget_s": %s, "elapsed_s": %s, "steps": [%s]}\n' "$([ $DRY = 1 ] && echo true || echo false)" \
    "$BUDGET" "$(elapsed)" "${STEPS[*]}" | "$PY" -m json.tool > "$OUT/gpu_check.json" 2>/dev/null || true
  for f in "$W"/logs/*.log; do [ -e "$f" ] && { echo "==== step $(basename "$f" .log)"; cat "$f"; }; done > "$OUT/gpu_check.log" 2>/dev/null || true
}
# py_json FILE: the last line of FILE that parses as a JSON object (what the step's Python printed for us)
py_json() { "$PY" - "$1" <<'EOF'
import json, sys
for l in reversed(open(sys.argv[1]).read().splitlines()):
    try: o = json.loads(l)
    except ValueError: continue
    if isinstance(o, dict): print(json.dumps(o)); break
else: print('{}')
EOF
}
jget() { "$PY" -c 'import json,sys; o=json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, o))' "$1" "$2"; }

# ---------------------------------------------------------------------------------------------------------- 0 setup
CUDA=0
s_setup() {
  local whl=(.whl/gpu/*.whl) pyver sim=""
  pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
  if [ -e "${whl[0]}" ]; then
    if [ "$pyver" = 3.12 ]; then
      tmo "$PY" -m pip install -q --no-index --no-deps --no-compile --root-user-action=ignore --target "$W/site" "${whl[@]}" || return 1
      export PYTHONPATH="$W/site:$PYTHONPATH" PATH="$W/site/bin:$PATH"
      LINE="${#whl[@]} wheels of .whl/gpu installed with pip --no-index into $W/site, on PYTHONPATH with the project"
    else
      tmo "$PY" -m pip install -q --no-index --no-deps --no-compile --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --target "$W/site" "${whl[@]}" || return 1
      LINE="${#whl[@]} wheels of .whl/gpu installed with pip --no-index for Python 3.12 into a temporary target; not used by this Python $pyver"
    fi
  elif [ $DRY = 1 ]; then LINE="no .whl/gpu here (git-ignored; tools/gpu_wheels.sh makes it): wheel install not tried"
  else
    "$PY" -c 'import fastai, fastcore, nbdev' 2>/dev/null || { STATUS=FAIL; LINE="no .whl/gpu and no fastai here: run tools/gpu_wheels.sh, then carry .whl/gpu"; return 1; }
    LINE="no .whl/gpu, but fastai, fastcore and nbdev are installed: using those"
  fi
  if [ $DRY = 1 ] && [ "${GPU_CHECK_SIM:-1}" = 1 ] && [ -f tools/gpu_wheels.txt ]; then
    cat tools/gpu_packages.txt tools/gpu_wheels.txt > "$W/allow.txt"
    export PYTHONPATH="$REPO/tools/gpu_sim:$PYTHONPATH" GPU_SIM_ALLOW="$W/allow.txt"
    sim="; imports limited to the GPU image's packages + tools/gpu_wheels.txt"
  fi
  # console scripts as shims (the project is not installed); also next to python itself on the GPU machine, where
  # notebooks look for them (Path(sys.executable).parent/'doodle-predict')
  "$PY" - "$W/bin" "$([ $DRY = 1 ] && echo 0 || echo 1)" <<'EOF' || return 1
import os, sys, tomllib
from pathlib import Path
scripts = tomllib.load(open('pyproject.toml', 'rb'))['project']['scripts']
dirs = [Path(sys.argv[1])] + ([Path(sys.executable).parent] if sys.argv[2] == '1' else [])
for d in dirs:
    if not os.access(d, os.W_OK): print(f'warning: {d} is not writable: no console-script shims there'); continue
    made = []
    for name, ep in scripts.items():
        mod, fn = ep.split(':'); p = d/name
        if p.exists(): continue
        p.write_text(f'#!{sys.executable}\nimport sys\nfrom {mod} import {fn}\nsys.exit({fn}())\n'); p.chmod(0o755); made.append(name)
    print(f'console-script shims in {d}: {", ".join(made) or "none needed"}')
EOF
  export PATH="$W/bin:$PATH"
  LINE="$LINE$sim"
}

# ---------------------------------------------------------------------------------------------------- 1 environment
s_env() {
  tmo "$PY" - "$DRY" <<'EOF' || return 1
import json, os, platform, subprocess, sys
from importlib.metadata import version
import torch
d = dict(python=platform.python_version(), torch=torch.__version__, cuda=torch.version.cuda,
         cudnn=torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None, cpus=os.cpu_count(),
         cuda_available=torch.cuda.is_available() and sys.argv[1] != '1',
         **{n: version(n) for n in ('torchvision', 'fastai', 'fastcore', 'numba', 'numpy')})  # versions without importing
if d['cuda_available']:
    d['gpu'] = torch.cuda.get_device_name(0); d['gpu_mem_gib'] = round(torch.cuda.get_device_properties(0).total_memory/2**30)
    try: d['driver'] = subprocess.run(['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'], capture_output=True, text=True).stdout.strip()
    except OSError: d['driver'] = None
print(json.dumps(d))
EOF
  DATA=$(py_json "$W/logs/1-environment.log")
  CUDA=$(jget "$DATA" "int(cuda_available)")
  local gpu
  if [ "$CUDA" = 1 ]; then gpu=$(jget "$DATA" "f'{gpu} ({gpu_mem_gib} GiB, driver {driver})'")
  elif [ $DRY = 1 ]; then gpu="no GPU (dry run)"
  else gpu="NO CUDA DEVICE: the CUDA steps will be skipped"; STATUS=FAIL; fi
  LINE="$gpu, $(jget "$DATA" "f'torch {torch} (CUDA {cuda}, cuDNN {cudnn}), torchvision {torchvision}, fastai {fastai}, fastcore {fastcore}, numba {numba}, numpy {numpy}, Python {python}, {cpus} CPUs'")"
}

# --------------------------------------------------------------------------------------------------------- 2 ingest
DB="$W/doodle.db"
s_ingest() {
  local srcs=(data/quickdraw/train_simplified data/quickdraw/test_simplified.csv) more=""
  [ -d data/quickdraw-more ] && { srcs+=(data/quickdraw-more); more=" + data/quickdraw-more"; }
  local t1=$EPOCHREALTIME
  tmo doodle-ingest "${srcs[@]}" --db "$DB" --no-progress || return 1
  local s; s=$(awk -v a="$t1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
  DATA=$("$PY" - "$DB" "$s" <<'EOF'
import json, os, sqlite3, sys
con = sqlite3.connect(sys.argv[1]); q = lambda s: con.execute(s).fetchone()[0]
n = dict(train=q('SELECT count(*) FROM train'), test=q('SELECT count(*) FROM test'), categories=q('SELECT count(*) FROM categories'))
print(json.dumps(dict(n, seconds=float(sys.argv[2]), db_mb=round(os.path.getsize(sys.argv[1])/2**20, 1))))
EOF
) || return 1
  LINE="data/quickdraw$more: $(jget "$DATA" "f'{train:,} training + {test:,} test drawings, {categories} categories in {seconds:.1f}s with start-up ({(train+test)/seconds:,.0f} drawings/s), {db_mb} MB'") on local disk"
}

# ----------------------------------------------------------------------------------------------------- 3 cuda cells
s_cuda_cells() {
  local nbs files=() desc=""
  nbs=$("$PY" tools/gpu_deps.py --cuda-notebooks) || return 1
  while read -r f n; do [ -n "$f" ] && files+=("$f") && desc+="$(basename "$f" .ipynb) ($n cell$([ "$n" = 1 ] || echo s)), "; done <<< "$nbs"
  desc=${desc%, }
  if [ -z "$nbs" ]; then LINE="no notebook has #| cuda cells"; return 0; fi
  if [ "$CUDA" != 1 ]; then STATUS=skipped; LINE="skipped (no CUDA): would run ${desc}"; return 0; fi
  tmo "$PY" - "${files[@]}" <<'EOF'
import json, sys
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.test import test_nb
cfg = get_config(); files = sys.argv[1:]
# one process a notebook, as tools/nbtest.py does (the parent never touches CUDA, so forked children may)
r = parallel(test_nb, files, skip_flags=[f for f in cfg.tst_flags.split() if f != 'cuda'], force_flags=['cuda'],
             n_workers=len(files), basepath=cfg.config_path)
res = {fn.split('/')[-1]: dict(ok=bool(ok), seconds=round(t, 1)) for fn, (ok, t) in zip(files, r)}
print(json.dumps(res)); sys.exit(0 if all(v['ok'] for v in res.values()) else 1)
EOF
  local rc=$?
  DATA=$(py_json "$W/logs/3-cuda_cells.log")
  LINE="nbdev test runner, flags cuda: $desc: $("$PY" -c 'import json,sys; print(", ".join(f"{k} {\"passed\" if v[\"ok\"] else \"FAILED\"} in {v[\"seconds\"]}s" for k, v in json.loads(sys.argv[1]).items()))' "$DATA")"
  return $rc
}

# --------------------------------------------------------------------------------------------------------- 4 loader
s_loader() {
  local args
  if [ $DRY = 1 ]; then args=(--device cpu --num-workers 2 --bs 16 --size 32 --n-batches 3 --repeat 1 --threads 1)
  elif [ "$CUDA" = 1 ]; then args=(--device cuda --num-workers "$NCPU" --bs 256 --size 128)
  else STATUS=skipped; LINE="skipped (no CUDA)"; return 0; fi
  tmo doodle-bench loader --db "$DB" "${args[@]}" > "$W/loader.json" || { cat "$W/loader.json"; return 1; }
  cat "$W/loader.json"
  DATA=$("$PY" -c 'import json,sys; s=open(sys.argv[1]).read(); print(json.dumps(json.loads(s[s.index("{"):])))' "$W/loader.json") || return 1
  LINE=$(jget "$DATA" "f'{device}, {num_workers} workers, {size} px, bs {bs}: loader {max(per_worker_img_s, locked_img_s):,} img/s (per_worker {per_worker_img_s:,}, locked {locked_img_s:,}); model ' + ('fp16 channels-last' if model_amp else 'fp32') + f' {model_img_s:,.0f} img/s on in-device tensors; loader/model {loader_over_model}' + (' (goal >= 1.2)' if model_amp else '')")
}

# -------------------------------------------------------------------------------------------------------- 5 profile
s_profile() {
  local args
  if [ $DRY = 1 ]; then args=(cpu 16 32 3 2)
  elif [ "$CUDA" = 1 ]; then args=(cuda 256 128 20 "$NCPU")
  else STATUS=skipped; LINE="skipped (no CUDA)"; return 0; fi
  tmo "$PY" - "$DB" "${args[@]}" <<'EOF' || return 1
import json, pickle, sys, time
import numpy as np, torch
from multiprocessing.reduction import ForkingPickler
from doodle_fastai.data import doodle_dls, to_model_input
from doodle_fastai.render import render_blobs
from doodle_fastai.train import StrokeAug
db, dev, bs, size, n, workers = sys.argv[1], torch.device(sys.argv[2]), *map(int, sys.argv[3:])
torch.set_num_threads(1)  # one worker's view: each DataLoader worker is one single-threaded process
ds = doodle_dls(db, size, bs=bs, valid_pct=0, num_workers=0, item_tfm=StrokeAug(), device="cpu").train_ds
rng = np.random.default_rng(0); t = dict(fetch=0., render=0., collate=0., h2d=0.)
for i in range(n + 1):
    idx = rng.integers(0, len(ds), bs); t0 = time.perf_counter()
    rows = ds.reader.fetch(ds.keys[idx]); t1 = time.perf_counter()
    imgs = render_blobs([r[0] for r in rows], ds.spec, item_tfm=ds.item_tfm); t2 = time.perf_counter()
    b = (torch.from_numpy(imgs).permute(0, 3, 1, 2), torch.from_numpy(ds.labels[idx].astype(np.int64)))
    b = pickle.loads(ForkingPickler.dumps(b)); t3 = time.perf_counter()   # what a worker's batch costs to hand over
    if dev.type == 'cuda':
        x = to_model_input(b[0].permute(0, 2, 3, 1).pin_memory().to(dev, non_blocking=True)); torch.cuda.synchronize()
    t4 = time.perf_counter()
    if i: t['fetch'] += t1-t0; t['render'] += t2-t1; t['collate'] += t3-t2; t['h2d'] += t4-t3
ms = {k: round(1000*v/n, 2) for k, v in t.items()}
if dev.type != 'cuda': ms['h2d'] = None
worker_ms = ms['fetch'] + ms['render'] + ms['collate']
res = dict(device=str(dev), bs=bs, size=size, batches=n, ms_per_batch=ms, workers=workers,
           workers_img_s=round(workers*bs/worker_ms*1000), main_h2d_img_s=round(bs/ms['h2d']*1000) if ms['h2d'] else None,
           bottleneck=max(('fetch', 'render', 'collate'), key=ms.get) if not ms['h2d'] or workers*ms['h2d'] < worker_ms else 'host->device')
print(json.dumps(res))
EOF
  DATA=$(py_json "$W/logs/5-profile.log")
  LINE=$(jget "$DATA" "f'one batch of {bs} at {size} px, alone on one core: SQLite fetch {ms_per_batch[\"fetch\"]} ms, render (with augmentation) {ms_per_batch[\"render\"]} ms, collate + hand-off {ms_per_batch[\"collate\"]} ms' + (f', host->device {ms_per_batch[\"h2d\"]} ms' if main_h2d_img_s else ', host->device n/a (CPU)') + f'; {workers} workers could feed {workers_img_s:,} img/s; slowest stage: {bottleneck}'")
}

# ---------------------------------------------------------------------------------------------------------- 6 train
s_train() {
  local args
  if [ $DRY = 1 ]; then args=(--device cpu --words 4 --per-cat 8 --sizes 32,40 --epochs 1,1 --bs 8 --workers 2)
  elif [ "$CUDA" = 1 ]; then args=(--device cuda --sizes 128,144 --epochs "${GPU_CHECK_EPOCHS:-4,2}" --bs 256 --workers "$NCPU")
  else STATUS=skipped; LINE="skipped (no CUDA)"; return 0; fi
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=timestamp,utilization.gpu --format=csv,noheader,nounits -lms 200 > "$W/util.csv" 2>/dev/null &
    SAMPLER=$!
  fi
  # doodle-train itself, with one callback added to every Learner: it writes when each training phase starts and ends
  tmo "$PY" - "$W/phases.jsonl" --db "$DB" --out "$W/model" "${args[@]}" --lr-find-it 0 --no-baseline --test '' <<'EOF'
import json, sys, time
import torch
from fastcore.basics import defaults
from fastai.callback.core import Callback
from fastai.torch_core import find_bs
log = open(sys.argv.pop(1), 'a')
class PhaseClock(Callback):
    "Wall-clock start/end and image count of each epoch's training phase (GPU work finished at both ends)"
    order = 99
    def _sync(self):
        if torch.cuda.is_available(): torch.cuda.synchronize()
    def before_train(self): self._sync(); self.n, self.t, self.first = 0, time.time(), None
    def after_batch(self):
        if not self.training: return
        if self.first is None: self._sync(); self.first, self.n_first = time.time(), find_bs(self.yb)   # workers started
        self.n += find_bs(self.yb)
    def after_train(self):
        self._sync()
        log.write(json.dumps(dict(epoch=self.epoch, size=self.dls.train_ds.size, n=self.n, start=self.t, end=time.time(),
                                  first=self.first, n_first=self.n_first)) + '\n'); log.flush()
defaults.callbacks.append(PhaseClock)
sys.argv[0] = 'doodle-train'
from doodle_fastai.train import main
main()
EOF
  local rc=$?
  [ -n "$SAMPLER" ] && { kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=""; }
  [ $rc = 0 ] || return $rc
  DATA=$("$PY" - "$W/phases.jsonl" "$W/util.csv" "$W/model/results.json" <<'EOF'
import json, os, sys
from datetime import datetime
ph = [json.loads(l) for l in open(sys.argv[1])]
res = json.load(open(sys.argv[3]))
n, s = sum(p['n'] for p in ph), sum(p['end'] - p['start'] for p in ph)
# steady: from the end of each epoch's first batch (the workers are up) to the end of the phase
ns, ss = sum(p['n'] - p['n_first'] for p in ph), sum(p['end'] - p['first'] for p in ph)
d = dict(epochs=len(ph), sizes=sorted({p['size'] for p in ph}), images=n, train_s=round(s, 1), img_s=round(n/s), n_train=res.get('n_train'),
         steady_img_s=round(ns/ss) if ss > 0 else None, first_batch_s=round(sum(p['first'] - p['start'] for p in ph)/len(ph), 2),
         n_classes=res.get('n_classes'), valid_map3=res.get('valid_map3'), valid_n=res.get('valid_n'), per_epoch_img_s=[round(p['n']/(p['end']-p['start'])) for p in ph])
util, steady = [], []
if os.path.exists(sys.argv[2]):
    for l in open(sys.argv[2]):
        try: ts, u = l.split(','); t = datetime.strptime(ts.strip(), '%Y/%m/%d %H:%M:%S.%f').timestamp(); u = float(u)
        except ValueError: continue
        if any(p['start'] <= t <= p['end'] for p in ph): util.append(u)
        if any(p['first'] <= t <= p['end'] for p in ph): steady.append(u)
d['gpu_util_samples'] = len(util)
if util: d['gpu_util_mean'] = round(sum(util)/len(util), 1); d['gpu_util_median'] = sorted(util)[len(util)//2]
d['gpu_util_steady_mean'] = round(sum(steady)/len(steady), 1) if steady else None
print(json.dumps(d))
EOF
) || return 1
  LINE=$(jget "$DATA" "f'{n_train:,} drawings, {n_classes} categories, {epochs} epochs at ' + ' -> '.join(map(str, sizes)) + f' px: {img_s:,} img/s in the training phases (per epoch: ' + ', '.join(f'{v:,}' for v in per_epoch_img_s) + f'; {steady_img_s:,} after each first batch, which took {first_batch_s}s); GPU utilisation during them: ' + (f'mean {gpu_util_mean}%, median {gpu_util_median}% ({gpu_util_samples} samples, goal >= 90%), after the first batch {gpu_util_steady_mean}%' if gpu_util_samples else 'not sampled (no nvidia-smi)') + f'; valid MAP@3 {valid_map3:.3f} ({valid_n:,} drawings)'")
  [ "$CUDA" = 1 ] && LINE="fp16: $LINE"
  return 0
}

# -------------------------------------------------------------------------------------------------------- 7 predict
s_predict() {
  [ -f "$W/model/model.safetensors" ] || { STATUS=skipped; LINE="skipped: no model (the training step did not finish)"; return 0; }
  local dev=cpu test=data/quickdraw/test_simplified.csv labels=data/quickdraw/test_labels.csv; [ "$CUDA" = 1 ] && dev=cuda
  if [ $DRY = 0 ] && [ "$CUDA" != 1 ]; then STATUS=skipped; LINE="skipped (no CUDA)"; return 0; fi
  if [ $DRY = 1 ]; then   # tiny: the first 200 test drawings
    head -n 201 "$test" > "$W/test_small.csv"; test=$W/test_small.csv
  fi
  local t1=$EPOCHREALTIME
  tmo doodle-predict --model "$W/model" --test "$test" --labels "$labels" --out "$W/submission.csv" --amp --device "$dev" --bs 256 --no-progress || return 1
  local wall; wall=$(awk -v a="$t1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
  DATA=$("$PY" - "$W/logs/7-predict.log" "$wall" <<'EOF'
import json, re, sys
s = open(sys.argv[1]).read()
m = re.search(r'(\d+) drawings in ([\d.]+)s \(([\d.]+)/s\)', s); t = re.search(r'test MAP@3 ([\d.]+)', s)
print(json.dumps(dict(drawings=int(m[1]) if m else None, predict_s=float(m[2]) if m else None, drawings_per_s=float(m[3]) if m else None,
                      test_map3=float(t[1]) if t else None, wall_s=float(sys.argv[2]))))
EOF
)
  LINE=$(jget "$DATA" "f'--amp on $dev: {drawings:,} held-out drawings in {predict_s}s: {drawings_per_s:,.0f} drawings/s ({wall_s}s with start-up); test MAP@3 {test_map3:.3f}'")
}

# the dry run measures nothing: one thread a process, so that torch's OpenMP threads do not spin against each other on a
# small, busy machine (seen: 3x the CPU time of a tiny training on a loaded 2-core machine)
[ $DRY = 1 ] && export OMP_NUM_THREADS=1
echo "gpu_check$([ $DRY = 1 ] && echo ' --dry-run'): $(date -u '+%Y-%m-%d %H:%M UTC'), budget ${BUDGET}s, work dir $W"
step 0 setup       90  s_setup
if [ "$STATUS" = FAIL ]; then echo "gpu_check: setup failed: nothing else can run"; write_json; exit 1; fi
step 1 environment 45  s_env
step 2 ingest      60  s_ingest
step 3 cuda_cells  180 s_cuda_cells
step 4 loader      100 s_loader
step 5 profile     45  s_profile
step 6 train       150 s_train
step 7 predict     60  s_predict
echo "gpu_check: $(elapsed)s in all ($(cpu_s) CPU seconds)$([ $failed = 1 ] && echo ', some steps FAILED' || echo ', no step failed')"
write_json
exit $failed
