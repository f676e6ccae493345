#!/usr/bin/env python3
"""Browser test of the built docs site, as a reader sees it.

Serves `_site/` on 127.0.0.1 (a random free port, in a background thread, stopped at the end), opens every page in
real headless Chromium and checks, from the DOM after the pages loaded: each notebook's page is there with its title,
the stylesheet and scripts ran, every public exported function/class of every module has its API entry (id,
signature and docstring) on its page, every image loaded (naturalWidth > 0) and at least as many as the notebook has image
outputs (two at least on the whole site: a rendered doodle and a plot), the search index lists every API entry, and
the `web` page's draw-and-guess demo loaded its model (onnxruntime-web in the browser) and says it is ready.
The server log must show no failed request. Screenshots of every page go to `artifacts/screenshots/` (gitignored).

    python tools/browser_check.py [--site _site] [--shots artifacts/screenshots]

Exit status: 0 all good, 1 a check failed, 2 no Chromium (tools/check.sh installs the Debian `chromium` package).
The page checks run in a same-origin harness page that loads each page in an iframe (`--dump-dom` cannot run
scripts of its own), so the site itself carries no test code."""
import functools, html, http.server, importlib, inspect, json, os, re, shutil, subprocess, sys, tempfile, threading, time, warnings
from contextlib import contextmanager
from pathlib import Path
from fastcore.script import call_parse
from doodle_fastai._dev.docs import get_config, nb_pages, page_name, cell_directives, nb_frontmatter, _imgs, _txt

HARNESS = '/__browser_check__.html'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--mute-audio']

def find_chromium():
    "Path of a Chromium/Chrome binary: $CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH"
    return os.environ.get('CHROMIUM') or next(filter(None, map(shutil.which, ['chromium', 'chromium-browser', 'google-chrome'])), None)

def chromium(exe, *args, timeout=120):
    "Run headless Chromium with a fresh profile; its stdout"
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run([exe, *FLAGS, f'--user-data-dir={prof}', *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode: raise RuntimeError(f'chromium {" ".join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}')
    return r.stdout

def harness_html(pages):
    "A page that loads each of `pages` in an iframe and, once all loaded, writes what it sees as JSON into #result"
    frames = '\n'.join(f'<iframe src="{p}" width="1280" height="3000"></iframe>' for p in pages)
    return f"""<!doctype html><meta charset="utf-8"><title>browser check</title><pre id="result">pending</pre>{frames}
<script>
window.addEventListener('load', () => setTimeout(() => {{  // give the theme's scripts a moment after load
  const res = {{}};
  for (const f of document.querySelectorAll('iframe')) {{
    const d = f.contentDocument, r = {{}};
    res[f.getAttribute('src')] = r;
    if (!d || !d.body) {{ r.error = 'no document'; continue; }}
    const art = d.querySelector('article') || d.body, hdr = d.querySelector('.md-header');
    r.title = d.title;
    r.h1 = [...art.querySelectorAll('h1')].map(e => e.textContent.replace('¶', '').trim());
    r.text = art.textContent.replace(/\\s+/g, ' ');
    r.api = [...art.querySelectorAll('.doc-api [id]')].map(e => e.id);
    r.imgs = [...art.querySelectorAll('img')].map(i => ({{src: i.getAttribute('src'), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}}));
    r.nav = [...d.querySelectorAll('.md-nav--primary a.md-nav__link')].map(a => a.getAttribute('href'));
    r.css = hdr ? getComputedStyle(hdr).position : 'no header';
    r.js = d.documentElement.classList.contains('js-focus-visible');  // set by the theme's script bundle
    const draw = d.getElementById('doodle-draw');  // the web page's draw-and-guess demo: its model must have loaded
    if (draw) r.draw = {{ready: draw.dataset.ready || 'pending', status: (draw.querySelector('.dd-status') || {{}}).textContent || ''}};
  }}
  document.getElementById('result').textContent = JSON.stringify(res);
}}, 2000));
</script>"""

@contextmanager
def serve(site, pages):
    "Serve `site` on 127.0.0.1 at a free port in a thread; yields (base url, request log [(path, status)])"
    log, page = [], harness_html(pages).encode()
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path != HARNESS: return super().do_GET()
            self.send_response(200); self.send_header('Content-Type', 'text/html; charset=utf-8')
            self.send_header('Content-Length', str(len(page))); self.end_headers(); self.wfile.write(page)
        def log_request(self, code='-', size='-'): log.append((self.path, int(getattr(code, 'value', code))))
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=str(site)))
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    try: yield f'http://127.0.0.1:{srv.server_address[1]}', log
    finally: srv.shutdown(); srv.server_close(); t.join(5)

def expected_api(cfg):
    "{page: [(name, anchor, first docstring line)]} for every public function/class in the modules' `__all__`"
    ns = {}; exec((cfg.lib_path/'_modidx.py').read_text(), ns)
    res = {}
    for mod, syms in ns['d']['syms'].items():
        try:
            with warnings.catch_warnings(): warnings.simplefilter('ignore'); m = importlib.import_module(mod)
        except Exception as e: print(f'note: {mod} cannot be imported ({e}); its API is not checked'); continue
        for nm in getattr(m, '__all__', []):
            o, entry = getattr(m, nm, None), syms.get(f'{mod}.{nm}')
            if entry is None or not (inspect.isfunction(o) or inspect.isclass(o)) or getattr(o, '__module__', '') != mod: continue
            page, _, anchor = entry[0].partition('#')
            res.setdefault(Path(page).stem, []).append((nm, anchor, (o.__doc__ or '').strip().splitlines()[0] if o.__doc__ else ''))
    return res

def expected_images(nb):
    "Number of image outputs a notebook shows (cells not hidden, outputs not turned off)"
    n = 0
    for c in json.loads(Path(nb).read_text())['cells']:
        if c['cell_type'] != 'code': continue
        d, _ = cell_directives(_txt(c['source']))
        if 'hide' in d or d.get('include') == 'false' or d.get('output') == 'false': continue
        n += sum(any(m in o.get('data', {}) for m in _imgs) for o in c.get('outputs', []))
    return n

def shot_problem(path):
    "Why a screenshot is not a rendered 1280x2000 page (wrong size, blank), or None"
    from PIL import Image
    import numpy as np
    with Image.open(path) as im:
        if im.size != (1280, 2000): return f'size {im.size}'
        ink = (np.asarray(im.convert('L')) < 200).mean()
    return None if ink > 0.005 else f'blank ({ink:.2%} dark pixels)'

def plain(s): return re.sub(r'\s+', ' ', re.sub(r'[`*\\]', '', s)).strip()

def check(site, shots, exe):
    "All checks; returns the list of failures"
    cfg = get_config(); site, shots = Path(site).resolve(), Path(shots).resolve()
    nbs = nb_pages(cfg.nbs_path); pages = [f'{page_name(nb)}.html' for nb in nbs]
    fails = [f'{p}: missing from {site}' for p in pages if not (site/p).exists()]
    if fails: return fails + ['(build the site first: doodle-docs)']
    api = expected_api(cfg)
    shutil.rmtree(shots, ignore_errors=True); shots.mkdir(parents=True)
    with serve(site, pages) as (url, log):
        t = time.time()
        dom = chromium(exe, '--virtual-time-budget=20000', '--dump-dom', url+HARNESS)
        m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
        res = json.loads(html.unescape(m[1])) if m and m[1] != 'pending' else None
        print(f'  loaded {len(pages)} pages in Chromium ({time.time()-t:.1f}s)')
        if res is None: return [f'the harness page did not report (page loads never finished?): {dom[:300]}']
        (shots.parent/'browser_check.json').write_text(json.dumps(res, indent=1))
        t = time.time(); shot_list = [(p, p[:-5]) for p in pages]
        for target, name in shot_list:
            chromium(exe, f'--screenshot={shots/name}.png', '--window-size=1280,2000', '--virtual-time-budget=5000', f'{url}/{target}')
        print(f'  {len(shot_list)} screenshots in {shots} ({time.time()-t:.1f}s)')
    for nb, p in zip(nbs, pages):
        r, name = res.get(p, {}), p[:-5]
        if r.get('error') or not r: fails.append(f'{p}: did not load ({r.get("error", "no result")})'); continue
        proc = cfg.config_path/'_proc'/nb.name
        title = str(nb_frontmatter(json.loads(proc.read_text())).get('title', '')) if proc.exists() else ''
        if not r['h1'] or title and title not in r['h1']: fails.append(f'{p}: title {title!r} not shown as <h1> ({r["h1"]})')
        if r['css'] not in ('sticky', 'fixed'): fails.append(f'{p}: the stylesheet did not apply (header position {r["css"]})')
        if not r['js']: fails.append(f'{p}: the theme scripts did not run')
        if 'draw' in r and r['draw']['ready'] != 'true': fails.append(f'{p}: the draw-and-guess demo is not ready ({r["draw"]["ready"]}: {r["draw"]["status"]!r})')
        if set(pages) - set(r['nav']): fails.append(f'{p}: navigation lacks {sorted(set(pages) - set(r["nav"]))}')
        for nm, anchor, doc in api.get(name, []):
            if anchor not in r['api']: fails.append(f'{p}: no API entry for `{nm}` (#{anchor})')
            elif f'{nm}(' not in r['text']: fails.append(f'{p}: the signature of `{nm}` is not shown')
            elif doc and plain(doc) not in plain(r['text']): fails.append(f'{p}: the docstring of `{nm}` is not shown ({doc!r})')
        bad = [i['src'] for i in r['imgs'] if not (i['complete'] and i['w'] > 0)]
        if bad: fails.append(f'{p}: images that did not load: {bad}')
        want = expected_images(nb)
        if len(r['imgs']) - len(bad) < want: fails.append(f'{p}: {len(r["imgs"])-len(bad)} images shown, the notebook has {want} image outputs')
    for mod_page in set(api) - {p[:-5] for p in pages}: fails.append(f'{mod_page}.html: API of an exported module with no page')
    n_img = sum(i['w'] > 0 for r in res.values() for i in r.get('imgs', []))
    if n_img < 2: fails.append(f'{n_img} images on the whole site: at least a rendered doodle and a plot are expected')
    failed = [(path, st) for path, st in log if st >= 400 and not path.startswith('/favicon')]
    if failed: fails.append(f'failed requests: {failed[:20]}')
    served = {path.split('?')[0] for path, st in log if st == 200}
    imgs_req = {f'/{i["src"]}' for r in res.values() for i in r.get('imgs', []) if not i['src'].startswith(('data:', 'http'))}
    if imgs_req - served: fails.append(f'images never served with 200: {sorted(imgs_req - served)[:10]}')
    index = json.loads((site/'search'/'search_index.json').read_text())
    idx_text = ' '.join(d.get('location', '') for d in index['docs'])
    miss = [f'{p}#{a}' for p, syms in api.items() for _, a, _ in syms if f'{p}.html#{a}' not in idx_text]
    if miss: fails.append(f'search index lacks API entries: {miss[:10]}')
    for png in sorted(shots.glob('*.png')):
        if why := shot_problem(png): fails.append(f'screenshot {png.name}: {why}')
    n_api = sum(map(len, api.values()))
    print(f'  {len(pages)} pages, {n_api} API entries, {n_img} images loaded, {len(log)} requests served')
    print('  images per page:', {p[:-5]: sum(i['w'] > 0 for i in r.get('imgs', [])) for p, r in res.items() if r.get('imgs')})
    return fails

@call_parse
def main(site:str='_site',                  # the built docs site, relative to the project root
         shots:str='artifacts/screenshots', # where the screenshots go (replaced), relative to the project root
        ):
    "Browser test of the built docs site, as a reader sees it, in headless Chromium"
    exe = find_chromium()
    if exe is None: print('NO CHROMIUM: install it (apt-get install -y chromium) or set $CHROMIUM'); sys.exit(2)
    root = get_config().config_path
    t0 = time.time()
    fails = check(root/site, root/shots, exe)
    for f in fails: print('FAIL:', f)
    print(f'browser check: {"FAILED, "+str(len(fails))+" problems" if fails else "ok"} ({time.time()-t0:.0f}s)')
    sys.exit(1 if fails else 0)
