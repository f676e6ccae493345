#!/usr/bin/env python3
"""The Python distributions the GPU check needs that the GPU machine lacks (used by tools/gpu_wheels.sh).

What is needed is measured, not read off pyproject.toml: this process imports every `doodle_fastai` module, nbdev's
test runner (with one cell run through execnb's shell) and every module that the code cells of the notebooks with
`#| cuda` cells import, then maps the loaded top-level modules to their installed distributions. Metadata
closures would drag in what is never imported (fastai's spaCy, fasthtml's server stack); the dry run under
tools/gpu_sim checks that nothing imported later is missing.

  python tools/gpu_deps.py [--gpu-list FILE] [--kinds KINDS.md] [--cuda-notebooks]
prints `name==version` (the version installed here, the one the tests ran with) for each missing distribution;
what the GPU already provides goes to stderr. With --kinds, the GPU image's package list is re-read from the
device library's KINDS.md and written to --gpu-list first."""
import argparse, ast, importlib, json, pkgutil, re, sys
from importlib.metadata import packages_distributions, version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CUDA_RE = re.compile(r'^#\|\s*(?:[\w-]+\s+)*cuda\b', re.M)

def norm(name): return re.sub(r'[-_.]+', '-', name).lower()

def read_list(path):
    "Distribution names (normalised) of a list file: one per line, `#` comments, `==version` ignored"
    return {norm(l.split('==')[0].strip()) for l in Path(path).read_text().splitlines() if l.strip() and not l.startswith('#')}

def kinds_packages(kinds):
    "The `nvidia-h200` package list in the device library's KINDS.md"
    m = re.search(r'^nvidia-h200:.*?Packages: (.+?)\.\s*$', Path(kinds).read_text(), re.M)
    if not m: sys.exit(f'gpu_deps: {kinds}: no "nvidia-h200: ... Packages: a, b, c." line found')
    when = re.search(r'\d{4}-\d\d-\d\d', m.group(0))
    return sorted({norm(p.strip()) for p in m.group(1).split(',')}), when.group(0) if when else 'undated'

def cell_is_cuda(src): return bool(CUDA_RE.search('\n'.join(l for l in src.splitlines() if l.startswith('#|'))))

def cuda_cells(nb):
    "Number of `#| cuda` code cells in notebook `nb`"
    return sum(c['cell_type'] == 'code' and cell_is_cuda(''.join(c['source'])) for c in json.loads(Path(nb).read_text())['cells'])

def cuda_notebooks(nbs=REPO/'nbs'):
    "Notebooks with at least one `#| cuda` code cell"
    return [p for p in sorted(Path(nbs).glob('*.ipynb')) if cuda_cells(p)]

def notebook_imports(nb):
    "Absolute module names imported anywhere in the code cells of `nb` (magics and shell lines dropped)"
    mods = set()
    for c in json.loads(Path(nb).read_text())['cells']:
        if c['cell_type'] != 'code': continue
        src = '\n'.join(l for l in ''.join(c['source']).splitlines() if not l.lstrip().startswith(('%', '!')))
        try: tree = ast.parse(src)
        except SyntaxError: continue
        for n in ast.walk(tree):
            if isinstance(n, ast.Import): mods.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module: mods.add(n.module)
    return mods

def load_everything():
    "Import what the GPU check runs; return the names of the notebooks whose imports were included"
    sys.path.insert(0, str(REPO))
    import doodle_fastai
    for m in pkgutil.walk_packages(doodle_fastai.__path__, 'doodle_fastai.'):  # subpackages' modules too (bench.*)
        if not m.name.startswith('doodle_fastai._dev.'): importlib.import_module(m.name)  # dev tooling: not on the GPU machine
    import nbdev, nbdev.test
    from execnb.shell import CaptureShell
    sh = CaptureShell()  # a result, a failing cell (traceback formatting) and a plot: what nbdev's runner meets in a notebook
    for src in ('x = 1\nx', '1/0', 'import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()'): sh.run(src)
    nbs = cuda_notebooks()
    for nb in nbs:
        for m in sorted(notebook_imports(nb)):
            try: importlib.import_module(m)
            except Exception as e: print(f'gpu_deps: warning: {nb.name} imports {m}, which fails here: {e}', file=sys.stderr)
    return [p.name for p in nbs]

def used_distributions():
    "{normalised name: (name, version)} of the distributions whose modules are loaded, the project excluded"
    pd_ = packages_distributions(); out = {}
    for top in {m.split('.')[0] for m in list(sys.modules)}:
        if top in sys.stdlib_module_names: continue
        for d in pd_.get(top, []):
            if norm(d) != 'doodle-fastai': out[norm(d)] = (d, version(d))
    return out

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--gpu-list', default=str(REPO/'tools'/'gpu_packages.txt'), help="the GPU image's packages, one a line")
    p.add_argument('--kinds', help="refresh --gpu-list from this KINDS.md first")
    p.add_argument('--cuda-notebooks', action='store_true', help="only list the notebooks with #| cuda cells (`path cells`)")
    a = p.parse_args()
    if a.cuda_notebooks:
        for nb in cuda_notebooks(): print(nb.relative_to(REPO), cuda_cells(nb))
        sys.exit(0)
    if a.kinds:
        pkgs, when = kinds_packages(a.kinds)
        Path(a.gpu_list).write_text(f'# Python packages of the GPU machine (device kind nvidia-h200, image "cuda"), as the device library\'s KINDS.md\n'
                                    f'# lists them (read there on {when}); written by tools/gpu_wheels.sh. One a line.\n' + '\n'.join(pkgs) + '\n')
    gpu = read_list(a.gpu_list)
    nbs = load_everything()
    used = used_distributions()
    have = sorted(n for n in used if n in gpu)
    print(f'gpu_deps: notebooks with #| cuda cells: {", ".join(nbs) or "none"}', file=sys.stderr)
    print(f'gpu_deps: {len(have)} used distributions are on the GPU machine: {", ".join(have)}', file=sys.stderr)
    for n in sorted(used):
        if n not in gpu: print(f'{used[n][0]}=={used[n][1]}')
