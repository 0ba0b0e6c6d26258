// `await engine.shutdown(graceSeconds)`: what it reports, what it leaves alone (a caller's own
// call in flight), what it does to a post being published when the grace ends, and the
// rejections for a bad grace. A Node caller cannot walk away from a `generate` Promise, so the
// background generations of the Rust and Python tests have no Node counterpart; a stopped
// stream aborts its provider request (streaming.test.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TWEET, offlineEngine, paidOptions, rejection, splants, startMockProvider } from './helpers.mjs'

const NOTHING = { completed: 0, aborted: 0, unsettled: 0, unpublished: 0 }

test('an engine never used is not built by shutdown, and reports nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'splants-shutdown-'))
  try {
    const db = join(dir, 'never.db')
    const engine = new splants.ContentEngine({ provider: 'offline', databaseUrl: `sqlite://${db}` })
    assert.deepEqual(await engine.shutdown(), NOTHING)
    assert.equal(existsSync(db), false, 'shutdown opened the database of an engine never used')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('after finished work: nothing to report, and nothing is left held', async () => {
  const engine = offlineEngine()
  await engine.generate(TWEET)
  assert.deepEqual(await engine.shutdown(0), NOTHING)
  for (const scope of await engine.budgetStatus()) assert.equal(scope.reserved, 0, JSON.stringify(scope))
})

test("a caller's own call in flight is not aborted by shutdown: it resolves and settles", async () => {
  const upstream = await startMockProvider()
  let release
  const gate = new Promise((resolve) => (release = resolve))
  upstream.setGate(() => gate)
  try {
    const engine = await splants.ContentEngine.create(paidOptions(upstream.baseUrl, 'mock-gated', { monthlyBudget: 10 }))
    const call = engine.generate(TWEET)
    while (upstream.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(await engine.shutdown(0), NOTHING)
    release()
    const piece = await call
    const [monthly] = await engine.budgetStatus()
    assert.equal(monthly.reserved, 0)
    assert.ok(Math.abs(monthly.spent - piece.cost_usd) < 1e-9, `${monthly.spent} vs ${piece.cost_usd}`)
  } finally {
    release?.()
    await upstream.close()
  }
})

test('a post still being published when the grace ends is reported unpublished', async () => {
  let answer
  const answered = new Promise((resolve) => (answer = resolve))
  const received = []
  const receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      received.push(req.url)
      answered.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"cms-1"}'))
    })
  })
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${receiver.address().port}/hooks/splants`
    const engine = offlineEngine({
      publishAccounts: { cms: { kind: 'webhook', url, secret: 'hook-secret-for-tests' } },
      schedulePoll: 0.05,
    })
    const piece = await engine.generate(TWEET)
    await engine.publish({ contentId: piece.id, targets: ['cms'] })
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const report = await engine.shutdown(0.2)
    assert.deepEqual(report, { ...NOTHING, unpublished: 1 })
  } finally {
    answer()
    receiver.closeAllConnections()
    await new Promise((resolve) => receiver.close(resolve))
  }
})

test('a bad grace rejects with validation_error naming graceSeconds', async () => {
  const engine = offlineEngine()
  for (const bad of [-1, -0.001, NaN, Infinity, 3600.5, '30', [1], { seconds: 1 }]) {
    const err = await rejection(engine.shutdown(bad), 'validation_error')
    assert.equal(err.details.field, 'graceSeconds', `${String(bad)}: ${err.message}`)
  }
  assert.deepEqual(await engine.shutdown(3600), NOTHING) // the bound itself is allowed
})
