// The shared table of bad inputs (bindings/shared/bad-inputs.json): each case gets exactly the
// error the core and the Python binding give for it. Inputs are passed as JavaScript writes
// them (camelCase keys); the error names the field as the core does (snake_case).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { offlineEngine } from './helpers.mjs'

const table = JSON.parse(readFileSync(new URL('../../shared/bad-inputs.json', import.meta.url), 'utf8'))

/** `key_budget` → `keyBudget`, in every object of `value`. */
const camelKeys = (value) => {
  if (Array.isArray(value)) return value.map(camelKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelKeys(v)]),
  )
}

/** Passes a case's input the way a JavaScript caller passes that shape. */
function call(engine, kind, input) {
  switch (kind) {
    case 'context':
      return engine.budgetStatus(input)
    case 'request':
      return engine.generate(input)
    case 'query':
      return engine.listContent(input)
    case 'events':
      return engine.recordEvents(input)
    default:
      throw new Error(`no Node runner for cases of kind ${kind}: add one here`)
  }
}

const engine = offlineEngine()

for (const c of table.cases) {
  test(`bad ${c.kind} ${JSON.stringify(c.input)} gets the shared error`, async () => {
    await assert.rejects(call(engine, c.kind, camelKeys(c.input)), (err) => {
      assert.equal(err.code, c.code)
      assert.deepEqual({ field: err.details.field, reason: err.details.reason }, { field: c.field, reason: c.reason })
      return true
    })
  })
}

test('the table covers every shape kind', () => {
  const kinds = new Set(table.cases.map((c) => c.kind))
  for (const kind of ['context', 'request', 'query', 'events']) assert.ok(kinds.has(kind), kind)
})
