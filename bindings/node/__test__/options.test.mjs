// The engine options: the same bad value gets the same error as in the core and in Python
// (bindings/shared/bad-options.json), with the option named in camelCase.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { splants } from './helpers.mjs'

const table = JSON.parse(readFileSync(new URL('../../shared/bad-options.json', import.meta.url), 'utf8'))
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
/** `rate_limits.gold` → `rateLimits.gold`: only the option part is an option name. */
const camelField = (field) => {
  const [option, ...rest] = field.split('.')
  return [camel(option), ...rest].join('.')
}

for (const c of table.cases) {
  test(`bad option ${c.option}=${JSON.stringify(c.value)} gets the shared error`, () => {
    let thrown
    try {
      new splants.ContentEngine({ [camel(c.option)]: c.value })
    } catch (e) {
      thrown = e
    }
    assert.ok(thrown, 'the constructor refused the option')
    assert.equal(thrown.code, 'config_error')
    assert.deepEqual(thrown.details, { field: camelField(c.field), reason: c.reason })
  })
}
