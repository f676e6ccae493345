#!/usr/bin/env python3
"""Run `nbdev-test` on every notebook (nbdev's own runner, in parallel) and finish with a count line
`notebooks: N passed, M failed` that CI and people can read at a glance.

    python tools/nbtest.py [--flags "slow cuda"] [--n-workers 2] [--only 04_render,14_docs]"""
import os, sys, time
from fastcore.parallel import parallel
from fastcore.script import call_parse
from nbdev.config import get_config
from nbdev.test import test_nb

LONG = ['10_train', '10a_experiments', '03_ingest', '10b_stack', '12c_bench.learn', '09_predict']   # slowest first, by their CI times

@call_parse
def main(flags:str='',    # test flags to run too, space-separated (`slow`, `cuda`)
         n_workers:int=2, # notebooks tested in parallel
         only:str='',     # comma-separated notebook names (without `.ipynb`) to test instead of all
        ):
    "Test every notebook of `nbs/` with nbdev's runner; exit 1 if any failed"
    # one OpenMP/torch thread per core and notebook: two notebooks on 2 cores with 2 threads each oversubscribe the cores,
    # and OpenMP's spinning threads then slow small-batch training (the LSTM tests) by 10-50x
    os.environ.setdefault('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1)//max(1, n_workers))))
    cfg = get_config(); nbs = cfg.path('nbs_path')
    files = sorted(nbs.glob('[0-9]*.ipynb')) + [nbs/'index.ipynb']
    # the longest notebooks first (longest-processing-time-first scheduling): started last, 10_train alone kept one
    # worker busy ~100 s after the other had finished everything else
    files = sorted(files, key=lambda f: LONG.index(f.stem) if f.stem in LONG else len(LONG))
    if only:
        names = only.split(','); files = [nbs/f'{n}.ipynb' for n in names]
        if missing := [f.name for f in files if not f.exists()]: print(f'nbtest: error: no such notebook: {", ".join(missing)}', file=sys.stderr); sys.exit(2)
    t0 = time.time()
    res = parallel(test_nb, files, skip_flags=cfg.tst_flags.split(), force_flags=flags.split(), n_workers=n_workers,
                   basepath=cfg.config_path, do_print=False)
    for f, (ok, t) in zip(files, res): print(f'{"PASS" if ok else "FAIL"} {f.name} ({t:.0f}s)')
    npass = sum(ok for ok, _ in res)
    print(f'{time.time()-t0:.0f}s in all, flags: {flags or "none"}')
    print(f'notebooks: {npass} passed, {len(res)-npass} failed')
    sys.exit(0 if npass == len(res) else 1)
