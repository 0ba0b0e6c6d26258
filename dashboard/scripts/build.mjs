// Builds the dashboard into dist/ (or --outdir DIR): esbuild bundles src/main.ts and its CSS
// into content-hashed files under assets/, index.html links them, and every file gets a gzip
// and a brotli copy for the server to send pre-compressed. The output is deterministic: the
// same sources and tool versions give the same bytes (scripts/check.mjs relies on it).

import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds into `outdir`; returns the files written with their sizes. */
export async function build(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: 'src/main.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    outdir: join(outdir, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => '/' + relative(outdir, resolve(root, p)).split('\\').join('/'));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild wrote no JS or CSS: ${outputs.join(', ')}`);
  const html = readFileSync(join(root, 'index.html'), 'utf8').replace('%JS%', js).replace('%CSS%', css);
  writeFileSync(join(outdir, 'index.html'), html);
  const files = [];
  for (const file of walk(outdir)) {
    const body = readFileSync(file);
    const gz = gzipSync(body, { level: 9 });
    const br = brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    writeFileSync(`${file}.gz`, gz);
    writeFileSync(`${file}.br`, br);
    files.push({ name: relative(outdir, file).split('\\').join('/'), raw: body.length, gzip: gz.length, brotli: br.length });
  }
  return files;
}

/** Every file under `dir`, sorted; the .gz/.br copies only when `copies` is set. */
export function* walk(dir, copies = false) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p, copies);
    else if (copies || (!name.endsWith('.gz') && !name.endsWith('.br'))) yield p;
  }
}

/** The sizes as a table and totals. */
export function report(files) {
  const total = (k) => files.reduce((a, f) => a + f[k], 0);
  for (const f of files) console.log(`${f.name.padEnd(32)} ${String(f.raw).padStart(8)} B  gzip ${String(f.gzip).padStart(7)} B  brotli ${String(f.brotli).padStart(7)} B`);
  console.log(`${'total'.padEnd(32)} ${String(total('raw')).padStart(8)} B  gzip ${String(total('gzip')).padStart(7)} B  brotli ${String(total('brotli')).padStart(7)} B`);
  return { raw: total('raw'), gzip: total('gzip'), brotli: total('brotli') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outdir');
  const outdir = resolve(i > 0 ? process.argv[i + 1] : join(root, 'dist'));
  report(await build(outdir));
}
