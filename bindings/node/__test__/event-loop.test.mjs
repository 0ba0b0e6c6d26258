// A pending generate never blocks the event loop: the provider answering it lives in this very
// process, and only answers after a setInterval counter has advanced.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { TWEET, paidOptions, splants, startMockProvider } from './helpers.mjs'

let mock
before(async () => {
  mock = await startMockProvider()
})
after(() => mock.close())

test('the event loop keeps ticking during a slow provider call', { timeout: 60_000 }, async () => {
  const engine = await splants.ContentEngine.create(paidOptions(mock.baseUrl, 'mock-gated'))
  let ticks = 0
  let ticksWhenAnswered = -1
  const timer = setInterval(() => {
    ticks += 1
  }, 5)
  // The server holds its answer until the timer has fired 10 times. Were the event loop
  // blocked by the pending call, neither the timer nor the server could run, and this test
  // would time out instead of passing.
  mock.setGate(
    () =>
      new Promise((resolve) => {
        const wait = setInterval(() => {
          if (ticks >= 10) {
            clearInterval(wait)
            ticksWhenAnswered = ticks
            resolve()
          }
        }, 1)
      }),
  )
  try {
    const pending = engine.generate(TWEET)
    assert.equal(ticks, 0, 'generate returned at once, before any tick')
    const piece = await pending
    assert.equal(piece.model, 'mock-gated')
    assert.ok(ticksWhenAnswered >= 10, `the server answered after ${ticksWhenAnswered} ticks`)
    assert.ok(ticks >= ticksWhenAnswered)
  } finally {
    clearInterval(timer)
  }
})
