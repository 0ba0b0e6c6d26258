// The packed tarball installs into a fresh project and works there, as a user would use it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

/** What a user's first script does: ESM named imports, a generation, a typed error. */
const SMOKE = `
import { ContentEngine } from 'splants'
const engine = new ContentEngine({ provider: 'offline', databaseUrl: 'memory://' })
const piece = await engine.generate({ contentType: 'social_media', topic: 'Launch day', platform: 'twitter', length: 40 })
let code = null
try { await engine.generate({ contentType: 'blog', topic: '' }) } catch (err) { code = err instanceof Error && err.code }
console.log(JSON.stringify({ platform: piece.platform, provider: piece.provider, code }))
`

test('npm pack → npm install ./splants-*.tgz in a temp project → it runs', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'splants-pack-'))
  try {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: packageDir, stdio: ['ignore', 'pipe', 'inherit'] })
    const tarballs = readdirSync(dir).filter((f) => /^splants-.*\.tgz$/.test(f))
    assert.equal(tarballs.length, 1, `expected one tarball, found: ${tarballs}`)
    const listing = execFileSync('tar', ['-tzf', join(dir, tarballs[0])], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()
    assert.deepEqual(listing, ['package/index.d.ts', 'package/index.js', 'package/package.json', 'package/splants.linux-x64-gnu.node'])

    const app = join(dir, 'app')
    execFileSync('mkdir', [app])
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join('..', tarballs[0])], { cwd: app, stdio: 'ignore' })
    writeFileSync(join(app, 'smoke.mjs'), SMOKE)
    const out = execFileSync(process.execPath, ['smoke.mjs'], { cwd: app, encoding: 'utf8' })
    assert.deepEqual(JSON.parse(out), { platform: 'twitter', provider: 'offline', code: 'validation_error' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
