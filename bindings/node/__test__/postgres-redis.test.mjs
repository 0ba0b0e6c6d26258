// The addon carries the `postgres` and `redis` features: engines on the test environment's
// PostgreSQL (a fresh schema of database `test` per test) and Redis share one budget and one
// rate limit, as several Node processes of one app do.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { BLOG, REDIS, TWEET, paidOptions, schema, splants, startMockProvider } from './helpers.mjs'

test('two engines on one Postgres share one budget and never overspend it', async (t) => {
  const databaseUrl = schema(t)
  const mock = await startMockProvider()
  t.after(() => mock.close())
  const { estimate } = await new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock')).quote(BLOG)
  const limit = estimate * 10.5 // room for about ten worst cases
  const engines = [0, 1].map(() => new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { databaseUrl, monthlyBudget: limit })))
  const outcomes = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      engines[i % 2].generate(BLOG).then(
        (piece) => piece.cost_usd,
        (err) => {
          assert.equal(err.code, 'budget_exceeded', err.message)
          return null
        },
      ),
    ),
  )
  const paid = outcomes.filter((c) => c !== null)
  assert.ok(paid.length > 0 && paid.length < 60, `${paid.length} of 60 paid`)
  const [[a], [b]] = await Promise.all(engines.map((e) => e.budgetStatus()))
  assert.ok(Math.abs(a.spent - b.spent) < 1e-9, 'one ledger')
  assert.ok(a.spent <= limit, `spent ${a.spent} > ${limit}`)
  assert.ok(Math.abs(a.spent - paid.reduce((x, y) => x + y, 0)) < 1e-9)
  assert.deepEqual([a.reserved, a.in_flight], [0, 0])
})

test('two engines on one Redis share one rate limit', async (t) => {
  const databaseUrl = schema(t)
  const engines = [0, 1].map(() => new splants.ContentEngine({ provider: 'offline', databaseUrl, redisUrl: REDIS }))
  const context = { keyId: `key-${randomUUID()}`, quota: [5, 3600] }
  const outcomes = []
  for (let i = 0; i < 8; i++) {
    try {
      await engines[i % 2].generate(TWEET, context)
      outcomes.push('ok')
    } catch (err) {
      assert.equal(err.code, 'rate_limited', err.message)
      outcomes.push('limited')
    }
  }
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'ok', 'limited', 'limited', 'limited'])
})
