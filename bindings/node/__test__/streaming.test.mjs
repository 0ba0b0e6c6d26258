// `for await (const event of engine.generateStream(brief))`: deltas, then the finished piece;
// errors reject like generate's; `break` aborts the upstream and leaves no budget hold.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BLOG, STREAM_WORDS, TWEET, offlineEngine, paidOptions, rejection, splants, startMockProvider, streamedBill } from './helpers.mjs'

/** The global budget once every hold has settled (a dropped stream settles on the runtime). */
async function settled(engine) {
  let [global] = await engine.budgetStatus()
  for (let i = 0; i < 200 && (global.in_flight > 0 || global.reserved > 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    ;[global] = await engine.budgetStatus()
  }
  return global
}

test('the offline drafter streams words, then the stored piece', async () => {
  const engine = offlineEngine()
  const deltas = []
  let done
  for await (const event of engine.generateStream(TWEET)) {
    if (event.kind === 'delta') deltas.push(event.text)
    else done = event.content
  }
  // The drafter writes word by word at once; the words read ahead arrive merged.
  const firstWord = deltas.join('').trim().split(/\s+/)[0]
  assert.ok(firstWord, 'no text streamed')
  assert.equal(done.provider, 'offline')
  assert.ok(done.content.startsWith(firstWord), `${firstWord} does not start ${done.content}`)
  assert.deepEqual(await engine.getContent(done.id), done)
})

test('a paid stream gives the upstream text, then a piece priced at its usage', async (t) => {
  const mock = await startMockProvider()
  t.after(() => mock.close())
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: 100 }))
  const events = []
  for await (const event of engine.generateStream(BLOG)) events.push(event)
  const last = events.pop()
  assert.ok(events.every((e) => e.kind === 'delta'))
  assert.equal(events.map((e) => e.text).join(''), Array.from({ length: STREAM_WORDS }, (_, i) => `word${i}`).join(' '))
  assert.equal(last.kind, 'done')
  assert.equal(last.content.usage.output_tokens, STREAM_WORDS)
  assert.equal(last.content.usage.estimated, false)
  assert.ok(Math.abs(last.content.cost_usd - streamedBill(mock.streamed)) < 1e-12)
  const global = await settled(engine)
  assert.ok(Math.abs(global.spent - last.content.cost_usd) < 1e-12)
})

test('errors before the first event reject the first next(), with the same codes as generate', async (t) => {
  const mock = await startMockProvider()
  t.after(() => mock.close())
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: 100 }))
  const bad = await rejection(engine.generateStream({ contentType: 'poem', topic: 'x' }).next(), 'validation_error')
  assert.equal(bad.details.field, 'content_type')
  const broke = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: 0.000001 }))
  await rejection(
    (async () => {
      for await (const _ of broke.generateStream(BLOG)) assert.fail('no event expected')
    })(),
    'budget_exceeded',
  )
  assert.equal(mock.calls, 0)
  const failing = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock-fail', { monthlyBudget: 100 }))
  await rejection(failing.generateStream(BLOG).next(), 'provider_error')
  assert.deepEqual((await settled(failing)).reserved, 0)
  const global = await settled(engine)
  assert.deepEqual([global.reserved, global.in_flight], [0, 0])
})

test('two hundred streams left by break at random points leave no hold and count what was billed', async (t) => {
  const mock = await startMockProvider()
  t.after(() => mock.close())
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: 100000 }))
  let seed = 0x5eed
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  let finished = 0
  const reader = async (keep) => {
    let seen = 0
    for await (const event of engine.generateStream(BLOG)) {
      if (event.kind === 'done') finished += 1
      seen += 1
      if (seen >= keep) break
    }
  }
  const plans = Array.from({ length: 200 }, () => 1 + random(STREAM_WORDS + 5))
  await Promise.all(plans.map(reader))
  const global = await settled(engine)
  assert.deepEqual([global.reserved, global.in_flight], [0, 0], 'no hold left')
  for (let i = 0; i < 200 && mock.streamed.filter((s) => s.left || s.words === STREAM_WORDS).length < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const left = mock.streamed.filter((s) => s.left).length
  assert.ok(left > 100, `only ${left} upstream answers were cut short: break did not abort them`)
  assert.ok(finished > 0 && finished < 200)
  const billed = streamedBill(mock.streamed)
  assert.ok(global.spent >= billed - 1e-9, `spent ${global.spent} < billed ${billed}`)
})

test('return() ends a stream at once and a stream that is never read holds nothing', async () => {
  const engine = offlineEngine()
  const stream = engine.generateStream(TWEET)
  assert.equal(stream[Symbol.asyncIterator](), stream)
  const first = await stream.next()
  assert.equal(first.done, false)
  assert.equal(first.value.kind, 'delta')
  assert.deepEqual(await stream.return(), { done: true })
  assert.deepEqual(await stream.next(), { done: true })
  const never = engine.generateStream(TWEET)
  assert.ok(never instanceof splants.GenerationStream)
  const global = await settled(engine)
  assert.deepEqual([global.reserved, global.in_flight], [0, 0])
})
