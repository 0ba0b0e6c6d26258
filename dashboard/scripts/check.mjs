// Rebuilds the dashboard into a temporary directory and fails when it differs from the
// committed dist/ (someone changed src/ without `make dashboard`, or the tools drifted), or when
// its compressed size passes the budget of 250 KB. The .gz/.br copies are compared by what they
// decompress to, so a zlib build with other (equally valid) bytes does not fail the check.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { build, report, walk } from './build.mjs';

const LIMIT = 250 * 1024;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'dist');

/** The files under `dir`, copies included, as `/`-separated paths relative to it. */
const list = (dir) => [...walk(dir, true)].map((p) => relative(dir, p).split('\\').join('/'));

/** How a compressed copy reads back, by its extension. */
const decompress = { gz: gunzipSync, br: brotliDecompressSync };

const tmp = mkdtempSync(join(tmpdir(), 'splants-dashboard-'));
let failed = false;
try {
  const files = await build(tmp);
  const sizes = report(files);
  const want = list(tmp);
  const have = list(committed);
  const missing = want.filter((f) => !have.includes(f));
  const extra = have.filter((f) => !want.includes(f));
  if (missing.length || extra.length) {
    console.error(`dashboard/dist differs from a fresh build: missing ${JSON.stringify(missing)}, not built ${JSON.stringify(extra)}`);
    failed = true;
  }
  for (const f of want.filter((x) => have.includes(x))) {
    const a = readFileSync(join(tmp, f));
    const b = readFileSync(join(committed, f));
    const unpack = decompress[f.slice(f.lastIndexOf('.') + 1)];
    const same = unpack
      ? unpack(b).equals(unpack(a)) && unpack(b).equals(readFileSync(join(committed, f.slice(0, -3))))
      : a.equals(b);
    if (!same) {
      console.error(`dashboard/dist/${f} differs from a fresh build`);
      failed = true;
    }
  }
  if (failed) console.error('run `make dashboard` and commit dashboard/dist');
  for (const k of ['gzip', 'brotli']) {
    if (sizes[k] > LIMIT) {
      console.error(`the dashboard is ${sizes[k]} B with ${k}, over its budget of ${LIMIT} B`);
      failed = true;
    }
  }
  console.log(`compressed size: ${(sizes.gzip / 1024).toFixed(1)} KiB gzip, ${(sizes.brotli / 1024).toFixed(1)} KiB brotli (budget 250 KiB); dist matches a fresh build: ${!failed}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
