// 200 concurrent generates against a paid (mock) provider never overspend a small budget.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { TWEET, paidOptions, splants, startMockProvider } from './helpers.mjs'

let mock
before(async () => {
  mock = await startMockProvider()
})
after(() => mock.close())

test('200 concurrent Promise.all generates stay within the budget', async () => {
  // The limit fits about a dozen worst cases at once; each call bills less than its
  // reservation (prompt tokens below the byte bound), so more than a dozen succeed in all.
  const probe = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock'))
  const { estimate } = await probe.quote(TWEET)
  const limit = Math.round(estimate * 12.5 * 1e6) / 1e6
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: limit }))
  const callsBefore = mock.calls

  const outcomes = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      engine.generate({ ...TWEET, topic: `Tip number ${i} of the day` }).then(
        (piece) => ({ ok: true, piece }),
        (err) => ({ ok: false, err }),
      ),
    ),
  )

  const pieces = outcomes.filter((o) => o.ok).map((o) => o.piece)
  const refused = outcomes.filter((o) => !o.ok)
  for (const { err } of refused) {
    assert.equal(err.code, 'budget_exceeded', err.message)
    assert.equal(err.details.scope, 'global')
  }
  assert.equal(pieces.length + refused.length, 200)
  assert.ok(pieces.length >= 12, `${pieces.length} succeeded`)
  assert.ok(refused.length >= 1, 'the budget ran out')
  assert.equal(mock.calls - callsBefore, pieces.length, 'only reserved calls reach the provider')

  const [global] = await engine.budgetStatus()
  const billed = pieces.reduce((sum, p) => sum + p.cost_usd, 0)
  assert.ok(global.spent <= limit, `spent ${global.spent} > limit ${limit}`)
  assert.ok(Math.abs(global.spent - billed) < 1e-6, `ledger ${global.spent} vs pieces ${billed}`)
  assert.equal(global.reserved, 0)
  assert.equal(global.in_flight, 0)
  assert.equal(global.overshoot, 0)
  for (const p of pieces) {
    assert.ok(p.cost_usd > 0 && p.cost_usd <= estimate, `cost ${p.cost_usd} vs estimate ${estimate}`)
    assert.equal(p.usage.output_tokens, (await engine.quote(p.request)).max_tokens)
  }
  assert.equal((await engine.listContent({ limit: 100 })).items.length, Math.min(pieces.length, 100))
})

test('a call whose caller went away still lands: stored and settled at its real cost', async () => {
  // The Node side of a caller that leaves: an HTTP client that hangs up while the app awaits
  // the engine. The engine does not depend on anyone awaiting its Promise.
  const { createServer, request } = await import('node:http')
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock-gated'))
  let release
  const held = new Promise((resolve) => (release = resolve))
  mock.setGate(() => held)
  const callsBefore = mock.calls
  const app = createServer(async (req, res) => {
    const piece = await engine.generate({ ...TWEET, topic: `Spring sale ${req.url}` })
    if (!res.destroyed) res.end(piece.id)
  })
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve))
  const { port } = app.address()
  const hangUps = Array.from({ length: 5 }, (_, i) => {
    const r = request({ host: '127.0.0.1', port, path: `/${i}` })
    r.on('error', () => {})
    r.end()
    return r
  })
  while (mock.calls - callsBefore < 5) await new Promise((resolve) => setTimeout(resolve, 5))
  for (const r of hangUps) r.destroy()
  release()
  let page
  for (let i = 0; i < 200; i++) {
    page = await engine.listContent({ limit: 100 })
    if (page.items.length === 5) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  app.close()
  mock.setGate(() => Promise.resolve())
  assert.equal(page.items.length, 5, 'every answered call has its piece in the library')
  const [global] = await engine.budgetStatus()
  const billed = page.items.reduce((sum, p) => sum + p.cost_usd, 0)
  assert.equal(global.reserved, 0)
  assert.ok(Math.abs(global.spent - billed) < 1e-9, `ledger ${global.spent} vs pieces ${billed}`)
})
