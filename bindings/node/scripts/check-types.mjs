// Fails when the committed index.d.ts / index.js are stale, or when the declared types do not
// fit how the package is used.
//
// 1. Keeps the committed index.d.ts and index.js, runs the release build (`napi build
//    --platform --release`, exactly `npm run build`), which regenerates both from the Rust
//    source, and compares. Stale files are left regenerated, so `git diff` shows the change.
// 2. Type-checks __test__/types/usage.ts against index.d.ts with the TypeScript compiler.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const generated = ['index.d.ts', 'index.js']
const committed = Object.fromEntries(generated.map((f) => [f, readFileSync(join(root, f), 'utf8')]))

execFileSync(bin('napi'), ['build', '--platform', '--release'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
const stale = generated.filter((f) => readFileSync(join(root, f), 'utf8') !== committed[f])
if (stale.length > 0) {
  console.error(`stale: the committed ${stale.join(', ')} differ from what the Rust source generates;`)
  console.error('the build has regenerated them: review `git diff` and commit them')
  process.exit(1)
}
console.log('index.d.ts and index.js match the Rust source')
execFileSync(bin('tsc'), ['--noEmit', '-p', join(root, '__test__', 'types', 'tsconfig.json')], { cwd: root, stdio: 'inherit' })
console.log('__test__/types/usage.ts type-checks against index.d.ts')
