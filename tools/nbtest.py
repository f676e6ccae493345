#!/usr/bin/env python3
"""Run `nbdev-test` on every notebook (nbdev's own runner, in parallel) and finish with a count line
`notebooks: N passed, M failed` that CI and people can read at a glance."""
import argparse, sys, time
from pathlib import Path
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.test import test_nb

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--flags', default=''); p.add_argument('--n_workers', type=int, default=2)
    a = p.parse_args()
    cfg = get_config(); files = sorted(cfg.path('nbs_path').glob('[0-9]*.ipynb')) + [cfg.path('nbs_path')/'index.ipynb']
    t0 = time.time()
    res = parallel(test_nb, files, skip_flags=cfg.tst_flags.split(), force_flags=a.flags.split(), n_workers=a.n_workers,
                   basepath=cfg.config_path, do_print=False)
    for f, (ok, t) in zip(files, res): print(f'{"PASS" if ok else "FAIL"} {f.name} ({t:.0f}s)')
    npass = sum(ok for ok, _ in res)
    print(f'{time.time()-t0:.0f}s in all, flags: {a.flags or "none"}')
    print(f'notebooks: {npass} passed, {len(res)-npass} failed')
    sys.exit(0 if npass == len(res) else 1)
