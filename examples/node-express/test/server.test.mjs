// The example served on an ephemeral port and called with fetch, as a client would.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { ContentEngine } from 'splants'
import { createApp } from '../server.mjs'

const KEY = 'spl_example_test_key_0123456789'
const TWEET = { content_type: 'social_media', topic: 'Quick marketing tip', platform: 'twitter', length: 40 }
const servers = []

/** Serves `engine` on 127.0.0.1:<random> and returns a `post(path, body, key)` helper. */
async function serve(engine) {
  const server = createApp(engine).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  servers.push(server)
  const base = `http://127.0.0.1:${server.address().port}`
  return async (path, body, key = KEY) => {
    const headers = { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) }
    const res = await fetch(base + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
    return { status: res.status, headers: res.headers, body: await res.json() }
  }
}

/** A chat completions server: `fail` answers 400, anything else answers with usage ≤ max_tokens. */
async function mockProvider() {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const { model, max_tokens } = JSON.parse(body)
      if (model === 'fail') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad prompt', type: 'invalid_request_error' } }))
        return
      }
      const usage = { prompt_tokens: 100, completion_tokens: max_tokens, total_tokens: 100 + max_tokens }
      const choices = [{ index: 0, message: { role: 'assistant', content: 'Great tip. Try it today.' }, finish_reason: 'stop' }]
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model, choices, usage }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${server.address().port}/v1`
}

const paid = (baseUrl, model, extra) =>
  new ContentEngine({ provider: 'compatible', openaiBaseUrl: baseUrl, model, prices: { [model]: { input: 1000, output: 1000 } }, databaseUrl: 'memory://', apiKey: KEY, maxAttempts: 1, ...extra })

let post
let providerUrl
before(async () => {
  post = await serve(new ContentEngine({ provider: 'offline', databaseUrl: 'memory://', apiKey: KEY, rateLimits: { standard: 4 } }))
  providerUrl = await mockProvider()
})
after(() => Promise.all(servers.map((s) => new Promise((resolve) => (s.closeAllConnections?.(), s.close(resolve))))))

test('POST /v1/content/generate answers 200 with the piece', async () => {
  const res = await post('/v1/content/generate', TWEET)
  assert.equal(res.status, 200)
  assert.equal(res.body.platform, 'twitter')
  assert.equal(res.body.content_type, 'social_media')
  assert.equal(typeof res.body.content, 'string')
})

test('a missing or wrong X-API-Key is a 403', async () => {
  const missing = await post('/v1/content/generate', TWEET, null)
  assert.equal(missing.status, 403)
  assert.equal(missing.body.code, 'unauthorized')
  assert.equal(missing.body.type, 'AuthenticationError')
  const wrong = await post('/v1/content/generate', TWEET, 'spl_wrong_key_000000000000')
  assert.equal(wrong.status, 403)
  assert.deepEqual(wrong.body.details, { reason: 'invalid API key' })
})

test('an invalid brief or body is a 422 naming the field', async () => {
  const res = await post('/v1/content/generate', { ...TWEET, tone: 'snarky' })
  assert.equal(res.status, 422)
  assert.equal(res.body.code, 'validation_error')
  assert.equal(res.body.details.field, 'tone')
  const notJson = await post('/v1/content/generate', '{"content_type":')
  assert.equal(notJson.status, 422)
  assert.equal(notJson.body.details.field, 'body')
})

test('POST /v1/content/batch reports each item; more than 10 is a 422', async () => {
  const res = await post('/v1/content/batch', [TWEET, { ...TWEET, topic: '' }])
  assert.equal(res.status, 200)
  assert.equal(res.body.total, 2)
  assert.equal(res.body.successful, 1)
  assert.equal(res.body.results[1].error.code, 'validation_error')
  const tooMany = await post('/v1/content/batch', Array.from({ length: 11 }, () => TWEET))
  assert.equal(tooMany.status, 422)
  assert.equal(tooMany.body.details.field, 'requests')
})

test('a used-up tier quota is a 429 with Retry-After', async () => {
  const limited = await serve(new ContentEngine({ provider: 'offline', databaseUrl: 'memory://', apiKey: KEY, rateLimits: { standard: 1 } }))
  assert.equal((await limited('/v1/content/generate', TWEET)).status, 200)
  const res = await limited('/v1/content/generate', TWEET)
  assert.equal(res.status, 429)
  assert.equal(res.body.code, 'rate_limited')
  assert.equal(res.body.details.quota, 'tier:standard')
  assert.ok(Number(res.headers.get('retry-after')) >= 1)
})

test('an exhausted budget is a 402; a provider failure is a 502', async () => {
  const broke = await serve(paid(providerUrl, 'ok', { monthlyBudget: 0.0001 }))
  const res = await broke('/v1/content/generate', TWEET)
  assert.equal(res.status, 402)
  assert.equal(res.body.code, 'budget_exceeded')
  assert.equal(res.body.details.budget, 0.0001)

  const failing = await serve(paid(providerUrl, 'fail'))
  const bad = await failing('/v1/content/generate', TWEET)
  assert.equal(bad.status, 502)
  assert.equal(bad.body.code, 'provider_error')
  assert.equal(bad.body.details.status, 400)

  const working = await serve(paid(providerUrl, 'ok'))
  const good = await working('/v1/content/generate', TWEET)
  assert.equal(good.status, 200)
  assert.ok(good.body.cost_usd > 0)
})
