// Two copies of the addon in one process, as npm installs them when two packages of an app
// depend on different versions of splants (each gets its own node_modules/splants), or beside
// another native addon whose allocator keeps its thread-locals in glibc's static TLS block.
// glibc has about 1.4 KiB of that block for libraries loaded after start; an addon that claimed
// 1 KiB of it (mimalloc built with the initial-exec TLS model) left too little for a second
// one, whose `require` failed with "cannot allocate memory in static TLS block".
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

const BOTH = `
const [a, b] = process.argv.slice(1).map((file) => require(file))
const brief = { contentType: 'social_media', topic: 'Two copies, one process', platform: 'twitter', length: 40 }
Promise.all([a, b].map((m) => new m.ContentEngine({ provider: 'offline', databaseUrl: 'memory://' }).generate(brief)))
  .then((pieces) => console.log(JSON.stringify(pieces.map((p) => p.provider))))
`

test('two copies of the addon load and generate in one process', { timeout: 60_000 }, () => {
  const addon = readdirSync(packageDir).find((f) => f.endsWith('.node'))
  assert.ok(addon, 'the addon is built')
  const dir = mkdtempSync(join(tmpdir(), 'splants-two-copies-'))
  try {
    const copies = ['first.node', 'second.node'].map((name) => join(dir, name))
    for (const copy of copies) copyFileSync(join(packageDir, addon), copy)
    // A child process: a failed dlopen cannot be undone in this one.
    const out = execFileSync(process.execPath, ['-e', BOTH, ...copies], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    assert.deepEqual(JSON.parse(out), ['offline', 'offline'])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
