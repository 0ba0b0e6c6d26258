// Fails when the committed index.d.ts / index.js are stale, or when the declared types do not
// fit how the package is used.
//
// 1. Regenerates the bindings into a temporary folder (`napi build --release`, the same build
//    as `npm run build`, so cargo has nothing to recompile) and compares them byte for byte
//    with the committed files.
// 2. Type-checks __test__/types/usage.ts against index.d.ts with the TypeScript compiler.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const out = mkdtempSync(join(tmpdir(), 'splants-dts-'))
let stale = []
try {
  execFileSync(bin('napi'), ['build', '--platform', '--release', '--output-dir', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  for (const file of ['index.d.ts', 'index.js']) {
    const fresh = readFileSync(join(out, file), 'utf8')
    const committed = readFileSync(join(root, file), 'utf8')
    if (fresh !== committed) stale.push(file)
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
if (stale.length > 0) {
  console.error(`stale: ${stale.join(', ')} differ from what the Rust source generates; run \`npm run build\` and commit them`)
  process.exit(1)
}
console.log('index.d.ts and index.js match the Rust source')
execFileSync(bin('tsc'), ['--noEmit', '-p', join(root, '__test__', 'types', 'tsconfig.json')], { cwd: root, stdio: 'inherit' })
console.log('__test__/types/usage.ts type-checks against index.d.ts')
