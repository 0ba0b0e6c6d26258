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

test('a piece\'s metadata is built on first read, and is an ordinary property to every reader', async () => {
  const [texts, [, piece]] = await splants.__tapeSamples()
  const expected = JSON.parse(texts[1])
  const before = Object.getOwnPropertyDescriptor(piece, 'metadata')
  assert.equal(typeof before.get, 'function', 'an accessor until read')
  assert.equal(before.enumerable, true)
  assert.ok(Object.keys(piece).includes('metadata'))
  // Readers that go through [[Get]] see the value without knowing.
  assert.deepStrictEqual(JSON.parse(JSON.stringify(piece)), expected)
  assert.deepStrictEqual({ ...piece }.metadata, expected.metadata)
  assert.deepStrictEqual(structuredClone(piece), expected)
  // The first read made it a data property holding the same object each time.
  const after = Object.getOwnPropertyDescriptor(piece, 'metadata')
  assert.equal(after.get, undefined)
  assert.equal(after.writable, true)
  assert.equal(piece.metadata, piece.metadata)
  assert.deepStrictEqual(piece.metadata, expected.metadata)

  // Assigning before any read replaces it, as on a plain object.
  const [, [, other]] = await splants.__tapeSamples()
  other.metadata = { mine: true }
  assert.deepStrictEqual(other.metadata, { mine: true })
  assert.equal(Object.getOwnPropertyDescriptor(other, 'metadata').writable, true)
})

test('an unread lazy value keeps the key table it was written against', async () => {
  const { readFile } = await import('node:fs/promises')
  const vm = await import('node:vm')
  const decode = vm.runInThisContext(await readFile(new URL('../src/decode.js', import.meta.url), 'utf8'))
  const u = (tag, n) => String.fromCharCode(tag | (n << 3))
  const [OBJ, KEY, STR, INT, LAZY, LONG] = [5, 3, 2, 6, 7, 0x1fff]
  const inner = u(OBJ, 1) + u(KEY, 2) + u(STR, 5)
  const ops = u(OBJ, 2) + u(KEY, 0) + u(INT, 7) + u(KEY, 1) + u(LAZY, LONG) + String.fromCharCode(inner.length, 0, 5, 0) + inner
  const first = decode(ops, 'hello', 'a\0meta\0x', 0)
  assert.equal(first.a, 7)
  assert.equal(typeof Object.getOwnPropertyDescriptor(first, 'meta').get, 'function')
  // The addon restarts the table after a failure (base 0), with other names at the same ids.
  const second = decode(u(OBJ, 1) + u(KEY, 2) + u(INT, 1), '', 'p\0q\0r', 0)
  assert.deepStrictEqual(second, { r: 1 })
  assert.deepStrictEqual(first.meta, { x: 'hello' })
  // A lazy read in the middle of nothing else leaves the decoder's own state alone.
  assert.deepStrictEqual(decode(u(OBJ, 1) + u(KEY, 0) + u(INT, 2), '', null, 3), { p: 2 })
})
