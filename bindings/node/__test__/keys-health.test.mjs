// Key management (create, list, get, rotate, revoke) and health, from Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { createServer } from 'node:net'
import { offlineEngine, paidOptions, rejection, splants } from './helpers.mjs'

test('a key is created, verified, listed, rotated and revoked', async () => {
  const engine = offlineEngine()
  const issued = await engine.createKey({ name: 'ci', tier: 'premium', rateLimitPerHour: 7, budget: 2.5, tenant: 'acme' })
  assert.equal(issued.name, 'ci')
  assert.equal(issued.role, 'user')
  assert.equal(issued.tier, 'premium')
  assert.equal(issued.status, 'active')
  assert.deepEqual([issued.rate_limit_per_hour, issued.budget, issued.tenant], [7, 2.5, 'acme'])
  assert.ok(issued.secret.startsWith(issued.prefix))

  const { key, context } = await engine.verifyApiKey(issued.secret)
  assert.equal(key.id, issued.id)
  assert.equal(context.keyId, issued.identity)
  assert.equal(context.keyBudget, 2.5)

  const listed = await engine.listKeys()
  assert.deepEqual(listed.map((k) => k.id), [issued.id])
  assert.ok(listed.every((k) => !('secret' in k) && !('hash' in k)))
  assert.equal((await engine.getKey(issued.id)).identity, issued.identity)

  const rotated = await engine.rotateKey(issued.id, 1)
  const fresh = rotated.new_key
  assert.notEqual(fresh.secret, issued.secret)
  assert.equal(fresh.identity, issued.identity)
  assert.ok(Date.parse(rotated.old_key_expires) <= Date.now() + 3600_000 + 1000)
  assert.equal((await engine.verifyApiKey(issued.secret)).context.keyId, issued.identity, 'the old secret works in its grace')
  assert.equal((await engine.verifyApiKey(fresh.secret)).context.keyId, issued.identity)
  const statuses = Object.fromEntries((await engine.listKeys()).map((k) => [k.id, k.status]))
  assert.deepEqual(statuses, { [issued.id]: 'expiring', [fresh.id]: 'active' })

  assert.equal(await engine.revokeKey(fresh.id), undefined)
  await rejection(engine.verifyApiKey(fresh.secret), 'unauthorized')
  assert.equal((await engine.getKey(fresh.id)).status, 'revoked')
})

test('bad key input is refused naming the field and stores nothing', async () => {
  const engine = offlineEngine()
  const cases = [
    [{ name: 'ci', tier: 'gold' }, 'tier'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ name: 'bad\u0000name' }, 'name'],
    [{ name: 'ci', tenant: 't\u001b[31m' }, 'tenant'],
    [{ name: 'ci', role: 'root' }, 'role'],
    [{ name: 'ci', rateLimitPerHour: 0 }, 'rate_limit_per_hour'],
    [{ name: 'ci', rateLimitPerHour: -1 }, 'rate_limit_per_hour'],
    [{ name: 'ci', budget: -1 }, 'budget'],
    [{ name: 'ci', expiresAt: '2001-01-01T00:00:00Z' }, 'expires_at'],
    [{ name: 'ci', expiresAt: 'tomorrow' }, 'expires_at'],
    [{ name: 'ci', bogus: 1 }, 'bogus'],
    [{}, 'name'],
    [undefined, 'key'],
  ]
  for (const [input, field] of cases) {
    const err = await rejection(engine.createKey(input), 'validation_error')
    assert.equal(err.details.field, field, `${inspect(input)}: ${err.message}`)
  }
  assert.deepEqual(await engine.listKeys(), [])

  const key = await engine.createKey({ name: 'ci' })
  for (const grace of [721, -1, 1.5, 'a day', {}]) {
    const err = await rejection(engine.rotateKey(key.id, grace), 'validation_error')
    assert.equal(err.details.field, 'graceHours')
  }
  for (const missing of ['key_nope', 'key_\u0000', '']) {
    await rejection(engine.getKey(missing), 'not_found')
    await rejection(engine.revokeKey(missing), 'not_found')
    await rejection(engine.rotateKey(missing), 'not_found')
  }
  assert.deepEqual((await engine.listKeys()).map((k) => k.status), ['active'])
})

test('health reports each component', async () => {
  const h = await offlineEngine().health()
  assert.equal(h.status, 'healthy')
  assert.deepEqual(Object.keys(h.components).sort(), ['cache', 'database', 'providers'])
  assert.equal(h.components.database.status, 'healthy')
  assert.equal(h.components.cache.status, 'disabled')
  assert.equal(h.components.providers.error, undefined)
  assert.ok(h.system.uptime_s >= 0)
  assert.ok(h.system.rss_bytes > 1_000_000)
  assert.ok(h.system.memory_percent > 0 && h.system.memory_percent <= 100, `${h.system.memory_percent}`)
  assert.ok(h.system.cpu_percent >= 0 && h.system.cpu_percent <= 100, `${h.system.cpu_percent}`)
  // memory:// has no file, so no volume to report.
  assert.equal(h.system.disk_percent, undefined)
})

test('an unreachable provider is degraded health without detail', async () => {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
  const engine = new splants.ContentEngine(paidOptions(`http://127.0.0.1:${port}/v1`, 'mock'))
  const h = await engine.health()
  assert.equal(h.status, 'degraded')
  assert.equal(h.components.providers.status, 'unhealthy')
  assert.match(h.components.providers.error, /^the check failed/)
  assert.ok(!JSON.stringify(h).includes(String(port)))
})
