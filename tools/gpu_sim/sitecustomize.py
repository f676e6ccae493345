"""Imports limited to the GPU machine's packages, for `tools/gpu_check.sh --dry-run` (on PYTHONPATH there).

With GPU_SIM_ALLOW naming a file of distribution names (one a line, `#` comments, `==version` ignored), importing a
top-level module of any other installed distribution fails as it would on the GPU machine, so a dependency missing
from tools/gpu_wheels.txt shows in the dry run on a development machine or in CI, not first on the GPU. The standard
library and modules of no installed distribution (the project itself on PYTHONPATH) are never refused."""
import os, re, sys

def _install(allow_file):
    import importlib.abc
    norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
    with open(allow_file) as f: allow = {norm(l.split('==')[0].strip()) for l in f if l.strip() and not l.startswith('#')}
    allow.add('doodle-fastai')
    dists = {}
    class GpuSimFinder(importlib.abc.MetaPathFinder):
        "Refuse top-level imports of distributions that are not in the allow list"
        def find_spec(self, name, path=None, target=None):
            if path is not None or '.' in name or name in sys.stdlib_module_names: return None
            if not dists:
                from importlib.metadata import packages_distributions
                dists.update(packages_distributions())
            ds = dists.get(name)
            if not ds or any(norm(d) in allow for d in ds): return None
            raise ModuleNotFoundError(f"gpu-sim: no module named {name!r} on the GPU machine: its distribution {ds[0]} is neither "
                                      f"in the GPU image nor in tools/gpu_wheels.txt (rerun tools/gpu_wheels.sh)", name=name)
    sys.meta_path.insert(0, GpuSimFinder())

if os.environ.get('GPU_SIM_ALLOW'): _install(os.environ['GPU_SIM_ALLOW'])
