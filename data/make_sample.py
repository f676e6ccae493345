#!/usr/bin/env python3
"""Build the sample shipped in `data/quickdraw/` from the real Quick, Draw! sample in `../shared/data/quickdraw/`.

Per category the first 16 drawings go to `train_simplified/<word>.csv` (Kaggle layout); the last 4 become a
Kaggle-style `test_simplified.csv` (key_id,countrycode,drawing) with their answers in `test_labels.csv`
(key_id,word), so the main job can write and score a real submission. Raw ndjson (with timing) is copied gzipped for
a few categories, enough for the tests of raw ingestion and time features.
Usage: python data/make_sample.py [SRC] [DST]"""
import csv, gzip, shutil, sys
from pathlib import Path

RAW_WORDS = ['cat', 'The Eiffel Tower', 'airplane', 'apple', 'banana', 'bicycle', 'clock', 'fish', 'house', 'moon', 'star', 'tree']
N_TEST = 4

def main(src=None, dst=None):
    here = Path(__file__).resolve().parent
    src = Path(src or here.parent.parent/'shared'/'data'/'quickdraw'); dst = Path(dst or here/'quickdraw')
    (dst/'train_simplified').mkdir(parents=True, exist_ok=True); (dst/'raw').mkdir(exist_ok=True)
    test_rows = []
    for fn in sorted((src/'train_simplified').glob('*.csv')):
        with open(fn, newline='') as f: rd = csv.DictReader(f); rows = list(rd); cols = rd.fieldnames
        with open(dst/'train_simplified'/fn.name, 'w', newline='') as f:
            w = csv.DictWriter(f, cols); w.writeheader(); w.writerows(rows[:-N_TEST])
        test_rows += rows[-N_TEST:]
    test_rows.sort(key=lambda r: int(r['key_id']))
    with open(dst/'test_simplified.csv', 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['key_id', 'countrycode', 'drawing'])
        w.writerows([r['key_id'], r['countrycode'], r['drawing']] for r in test_rows)
    with open(dst/'test_labels.csv', 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['key_id', 'word']); w.writerows([r['key_id'], r['word']] for r in test_rows)
    for word in RAW_WORDS:
        with open(src/'raw'/f'{word}.ndjson', 'rb') as fi, gzip.GzipFile(dst/'raw'/f'{word}.ndjson.gz', 'wb', mtime=0) as fo:
            shutil.copyfileobj(fi, fo)
    shutil.copy(src/'README.md', dst/'SOURCE.md')

if __name__ == '__main__': main(*sys.argv[1:])
