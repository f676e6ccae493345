#!/usr/bin/env python3
"""Codebase-style metrics of issue 11, measured on the notebooks and the generated package.

    python tools/nb_metrics.py [--nbs nbs] [--lib doodle_fastai] [--no-duplicates]

- export cells (`#| export` / `#| exports` / `#| exporti`): lines per cell (median / p90 / max; directive lines and
  blank lines not counted), top-level definitions per cell (functions and classes; mean over the cells that define
  something, and the largest), and the share of export cells followed *at once* by a non-export code cell that does
  more than import (a demo or test), both over all export cells and over those that define something;
- `argparse` mentions per module (`grep -c argparse`), and how often the fastcore idioms appear;
- the import graph of the package (module -> the package modules it imports, lazy function-level imports marked
  `(lazy)`), with every *backward* edge: an import of a module whose notebook sorts after the importer's notebook;
- the output of the `duplicates` tool, when it is installed.
"""
import ast, json, re, shutil, statistics, subprocess, sys
from pathlib import Path
from fastcore.script import call_parse

_re_dir = re.compile(r'^\s*#\|\s*([\w-]+)')

def directives(src:str)->set:
    "The names of the leading `#| name` directive lines of a cell"
    d = set()
    for l in src.splitlines():
        if not l.strip(): continue
        m = _re_dir.match(l)
        if not m: break
        d.add(m[1])
    return d

def n_defs(src:str)->int:
    "Top-level functions and classes defined by a cell (0 if it does not parse)"
    try: t = ast.parse('\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in src.splitlines()))
    except SyntaxError: return 0
    return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in t.body)

def imports_only(src:str)->bool:
    "True for a cell that only imports (or is empty): not a demo"
    try: t = ast.parse('\n'.join('' if l.lstrip().startswith(('%', '!', '#|')) else l for l in src.splitlines()))
    except SyntaxError: return False
    return all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in t.body)

def code_lines(src:str)->int:
    "Lines of a cell other than blank lines and `#|` directive lines"
    return sum(1 for l in src.splitlines() if l.strip() and not _re_dir.match(l))

def pct(xs, q): return sorted(xs)[min(len(xs)-1, int(round(q*(len(xs)-1))))]

def nb_stats(nb:Path)->dict:
    "Per-notebook export-cell statistics"
    cells = json.loads(nb.read_text())['cells']
    src = lambda c: ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    ex = {'export', 'exports', 'exporti'}
    rows = []
    for i, c in enumerate(cells):
        if c['cell_type'] != 'code' or not directives(src(c)) & ex: continue
        nxt = cells[i+1] if i+1 < len(cells) else None
        demo = bool(nxt and nxt['cell_type'] == 'code' and not directives(src(nxt)) & ex and not imports_only(src(nxt))
                    and 'nbdev_export' not in src(nxt))
        rows.append(dict(lines=code_lines(src(c)), defs=n_defs(src(c)), demo=demo))
    return dict(nb=nb.name, rows=rows)

def table(stats:list)->str:
    "Markdown table of the export-cell metrics, per notebook and in all"
    out = ['| notebook | export cells | lines median / p90 / max | defs per defining cell (mean, max) | followed by demo: all | followed by demo: defining cells |',
           '|---|---|---|---|---|---|']
    def row(name, rows):
        if not rows: return f'| {name} | 0 | | | | |'
        ls = [r['lines'] for r in rows]; d = [r for r in rows if r['defs']]
        dm = f"{statistics.mean(r['defs'] for r in d):.2f}, {max(r['defs'] for r in d)}" if d else '-'
        return (f"| {name} | {len(rows)} | {statistics.median(ls):g} / {pct(ls, .9)} / {max(ls)} | {dm} | "
                f"{sum(r['demo'] for r in rows)} of {len(rows)} | {sum(r['demo'] for r in d)} of {len(d)} |")
    out += [row(s['nb'], s['rows']) for s in stats]
    out.append(row('**all**', [r for s in stats for r in s['rows']]))
    return '\n'.join(out)

def module_imports(lib:Path)->dict:
    "{module: {imported package module: 'top' or 'lazy'}} from the modules' import statements"
    pkg, res = lib.name, {}
    for f in sorted(lib.rglob('*.py')):
        if f.name == '_modidx.py': continue
        mod = '.'.join([pkg, *f.relative_to(lib).with_suffix('').parts]).removesuffix('.__init__')
        base = mod if f.name == '__init__.py' else mod.rsplit('.', 1)[0]
        t, deps = ast.parse(f.read_text()), {}
        top = {id(n) for n in t.body}
        for n in ast.walk(t):
            names = []
            if isinstance(n, ast.ImportFrom):
                if n.level:
                    b = base.split('.'); b = b[:len(b)-(n.level-1)] if n.level > 1 else b
                    m = '.'.join(b + ([n.module] if n.module else []))
                else: m = n.module or ''
                names = [m] + [f'{m}.{a.name}' for a in n.names]
            elif isinstance(n, ast.Import): names = [a.name for a in n.names]
            for m in names:
                if (lib/Path(*m.split('.')[1:])).with_suffix('.py').exists() and m.startswith(pkg+'.') and m != mod:
                    kind = 'top' if id(n) in top or deps.get(m) == 'top' else 'lazy'
                    deps[m] = kind
        res[mod] = deps
    return res

def module_nb(lib:Path, mod:str)->str:
    "The notebook a module is exported from (its `File to edit` header), or '' for a hand-written module"
    f = (lib/Path(*mod.split('.')[1:])).with_suffix('.py')
    if not f.exists(): f = lib/Path(*mod.split('.')[1:])/'__init__.py'
    m = re.search(r'File to edit: (?:\.\./)*nbs/(\S+\.ipynb)', f.read_text()) if f.exists() else None
    return m[1] if m else ''

def n_params(f:ast.FunctionDef)->int:
    "Parameters of a function, `self`/`cls` and `*args`/`**kwargs` not counted"
    a = f.args; ps = [*a.posonlyargs, *a.args, *a.kwonlyargs]
    return len([p for p in ps if p.arg not in ('self', 'cls')])

def call_stats(lib:Path)->tuple:
    "(functions with their parameter counts, calls with their positional-argument counts) over the package, `_modidx` left out"
    funcs, calls = [], []
    for f in sorted(lib.rglob('*.py')):
        if f.name == '_modidx.py': continue
        rel = f.relative_to(lib.parent).as_posix()
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)): funcs.append((n_params(n), f'{rel}:{n.lineno} {n.name}'))
            if isinstance(n, ast.Call):
                k = sum(not isinstance(a, ast.Starred) for a in n.args)
                calls.append((k, f'{rel}:{n.lineno} {ast.unparse(n.func)}'))
    return sorted(funcs, reverse=True), sorted(calls, reverse=True)

def cli_faces(lib:Path)->set:
    "Functions whose signature is a console script's flags: `train`, every `main*`, and the benchmarks `doodle-bench` runs"
    cli = lib/'bench'/'cli.py'
    return {'train', *re.findall(r"'[\w.]+:(\w+)'", cli.read_text() if cli.exists() else '')}

def signature_report(lib:Path, max_params:int=10, max_pos:int=6):
    "Print the functions over `max_params` parameters (the CLI faces apart) and the calls over `max_pos` positional arguments"
    funcs, calls, faces = *call_stats(lib), cli_faces(lib)
    big = [(n, w) for n, w in funcs if n > max_params and w.rsplit(' ', 1)[1] not in faces and not w.rsplit(' ', 1)[1].startswith('main')]
    print(f'functions with > {max_params} parameters (outside the CLI faces {", ".join(sorted(faces))}, main*): {len(big)}')
    for n, w in big: print(f'  {n:3d}  {w}')
    long = [(n, w) for n, w in calls if n > max_pos]
    print(f'calls with > {max_pos} positional arguments: {len(long)}')
    for n, w in long: print(f'  {n:3d}  {w}')
    print('largest: ' + ', '.join(f'{n} {w}' for n, w in funcs[:3]))
    return big, long

@call_parse
def main(nbs:str='nbs',            # the notebooks folder
         lib:str='doodle_fastai',  # the package folder
         duplicates:bool=True,     # also run the `duplicates` tool on the repository
        ):
    "Print the issue-11 codebase metrics: export cells, argparse, import graph, duplicates"
    root = Path(__file__).resolve().parent.parent; nbs, lib = root/nbs, root/lib
    stats = [nb_stats(nb) for nb in sorted(nbs.glob('*.ipynb'))]
    print('## Export cells\n'); print(table(stats))
    print('\n## argparse (`grep -c argparse`)\n')
    for f in sorted(lib.rglob('*.py')): print(f'{f.relative_to(root)}: {f.read_text().count("argparse")}')
    for f in sorted((root/'tools').glob('*.py')): print(f'{f.relative_to(root)}: {f.read_text().count("argparse")}')
    print('\n## fastcore idioms (occurrences in the package)\n')
    src = {f: f.read_text() for f in sorted(lib.rglob('*.py')) if f.name != '_modidx.py'}
    for pat in ['store_attr(', '@delegates', '@patch', '@call_parse']:
        n = {f.relative_to(root).as_posix(): t.count(pat) for f, t in src.items() if t.count(pat)}
        print(f'{pat}: {sum(n.values())}' + (f'  ({", ".join(f"{k} {v}" for k, v in n.items())})' if n else ''))
    print('\n## Signatures and calls\n'); signature_report(lib)
    print('\n## Import graph (module [notebook] -> package modules it imports)\n')
    g = module_imports(lib); back = []
    for mod, deps in sorted(g.items(), key=lambda kv: (module_nb(lib, kv[0]) or '~', kv[0])):
        nb = module_nb(lib, mod)
        print(f"{mod} [{nb or 'hand-written'}] -> " + (', '.join(f"{d}{' (lazy)' if k == 'lazy' else ''}" for d, k in sorted(deps.items())) or '-'))
        for d in deps:
            dn = module_nb(lib, d)
            if nb and dn and dn > nb: back.append(f'{mod} [{nb}] -> {d} [{dn}]')
    print('\nbackward edges (import of a module from a later notebook): ' + ('none' if not back else ''))
    for b in back: print('  ' + b)
    if duplicates and shutil.which('duplicates'):
        print('\n## duplicates\n')
        r = subprocess.run(['duplicates', '--repo', str(root), '--most', '40'], capture_output=True, text=True)
        print(r.stdout.strip() or r.stderr.strip())
