// Results reach JavaScript through the addon's tape (src/tape.rs, src/decode.js), not JSON:
// each value must be exactly what JSON.parse makes of serde_json's text of the same Rust value.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { splants } from './helpers.mjs'

test('every kind of serde value decodes as JSON.parse reads serde_json', async () => {
  const [texts, [kinds, piece]] = await splants.__tapeSamples()
  assert.deepStrictEqual(kinds, JSON.parse(texts[0]))
  assert.deepStrictEqual(piece, JSON.parse(texts[1]))
  // Spot checks that deepStrictEqual alone would not show.
  assert.ok(Object.is(kinds.doubles[1], -0), 'negative zero kept')
  assert.equal(Object.getPrototypeOf(kinds.tricky_keys), Object.prototype, 'a __proto__ key set the prototype')
  assert.deepEqual(Object.getOwnPropertyDescriptor(kinds.tricky_keys, '__proto__').value, { polluted: true })
  assert.equal({}.polluted, undefined)
  assert.equal(kinds.strings[7].length, 20_000)
  assert.equal(kinds.long_array.length, 9000)
  assert.equal(kinds.long_array[8999], 8998 + 1)
  assert.equal(piece.metadata.assessments.length > 5, true)
  assert.match(piece.request.topic, /Café – owners’ guide 😀/)
})

test('the tape stays right across calls, and in a worker thread with its own decoder', async () => {
  for (let i = 0; i < 3; i++) {
    const [texts, values] = await splants.__tapeSamples()
    assert.deepStrictEqual(values, [JSON.parse(texts[0]), JSON.parse(texts[1])])
  }
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const splants = require(workerData)
     splants.__tapeSamples().then(([texts, values]) => parentPort.postMessage({ texts, values }))`,
    { eval: true, workerData: new URL('..', import.meta.url).pathname },
  )
  const { texts, values } = await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  await worker.terminate()
  assert.deepStrictEqual(values, [JSON.parse(texts[0]), JSON.parse(texts[1])])
})
