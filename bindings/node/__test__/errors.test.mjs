// Each error code, as an `Error` instance with `code`, `details`, `status` and the message.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BLOG, TWEET, offlineEngine, paidOptions, rejection, splants, startMockProvider } from './helpers.mjs'

let mock
before(async () => {
  mock = await startMockProvider()
})
after(() => mock.close())

test('validation_error names the field and keeps the reason', async () => {
  const engine = offlineEngine()
  const err = await rejection(engine.generate({ ...BLOG, tone: 'snarky' }), 'validation_error')
  assert.equal(err.name, 'ValidationError')
  assert.equal(err.status, 422)
  assert.equal(err.retryable, false)
  assert.equal(err.details.field, 'tone')
  assert.match(err.details.reason, /^unknown tone `snarky`; expected one of: professional/)
  assert.match(err.message, /^invalid `tone`: unknown tone `snarky`/)

  const twice = await rejection(engine.generate({ ...BLOG, content_type: 'email' }), 'validation_error')
  assert.equal(twice.details.field, 'content_type')
  assert.match(twice.details.reason, /given twice/)
  const missing = await rejection(engine.generate(), 'validation_error')
  assert.deepEqual(missing.details, { field: 'request', reason: 'is required' })
  const unknown = await rejection(engine.generate({ ...BLOG, colour: 'red' }), 'validation_error')
  assert.equal(unknown.details.field, 'colour')
  const ctx = await rejection(engine.generate(BLOG, { keyID: 'x', bogus: 1 }), 'validation_error')
  assert.equal(ctx.details.field, 'bogus')
})

test('budget_exceeded carries the scope, limit and the request it refused', async () => {
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: 0.001 }))
  const quote = await engine.quote(TWEET)
  assert.equal(quote.free, false)
  assert.ok(quote.estimate > 0.001, `estimate ${quote.estimate}`)
  const calls = mock.calls
  const err = await rejection(engine.generate(TWEET), 'budget_exceeded')
  assert.equal(mock.calls, calls, 'a refused call never reaches the provider')
  assert.equal(err.name, 'BudgetExceededError')
  assert.equal(err.status, 402)
  assert.equal(err.details.scope, 'global')
  assert.equal(err.details.limit, 0.001)
  assert.equal(err.details.budget, 0.001)
  assert.equal(err.details.spent, 0)
  assert.equal(err.details.current_usage, 0)
  assert.equal(err.details.reserved, 0)
  assert.equal(err.details.requested, quote.estimate)
  assert.equal(typeof err.details.period_end, 'string')
  assert.ok(Number.isInteger(err.details.remaining_days))

  const keyed = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock', { monthlyBudget: null }))
  const byKey = await rejection(keyed.generate(TWEET, { keyId: 'k1', keyBudget: 0.0005 }), 'budget_exceeded')
  assert.equal(byKey.details.scope, 'key:k1')
  assert.equal(byKey.details.limit, 0.0005)
})

test('rate_limited says which quota and when to retry', async () => {
  const engine = offlineEngine({ rateLimits: { free: 2 } })
  const ctx = { keyId: 'key-1', tier: 'free' }
  await engine.generate(TWEET, ctx)
  await engine.generate(TWEET, ctx)
  const err = await rejection(engine.generate(TWEET, ctx), 'rate_limited')
  assert.equal(err.name, 'RateLimitError')
  assert.equal(err.status, 429)
  assert.equal(err.retryable, true)
  assert.equal(err.details.limit, 2)
  assert.equal(err.details.period_s, 3600)
  assert.equal(err.details.quota, 'tier:free')
  assert.ok(err.details.retry_after_s > 0 && err.details.retry_after_s <= 1800, `${err.details.retry_after_s}`)
  await engine.generate(TWEET, { keyId: 'key-2', tier: 'free' }) // other keys are unaffected
  const tier = await rejection(engine.generate(TWEET, { keyId: 'key-3', tier: 'gold' }), 'validation_error')
  assert.equal(tier.details.field, 'tier')
})

test('provider_error keeps the provider status and kind', async () => {
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock-fail'))
  const err = await rejection(engine.generate(TWEET), 'provider_error')
  assert.equal(err.name, 'AIProviderError')
  assert.equal(err.status, 502)
  assert.deepEqual(err.details, { provider: 'compatible', status: 400, kind: 'invalid_request_error', retryable: false })
  assert.match(err.message, /compatible provider error \(HTTP 400\): model does not accept this prompt/)
  const [global] = await engine.budgetStatus()
  assert.equal(global.spent, 0, 'a refused request is not billed')
  assert.equal(global.reserved, 0)
})

test('provider_timeout after the configured seconds, counted at the estimate', async () => {
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock-hang', { providerTimeout: 1 }))
  const quote = await engine.quote(TWEET)
  const err = await rejection(engine.generate(TWEET), 'provider_timeout')
  assert.equal(err.name, 'AIProviderTimeoutError')
  assert.equal(err.status, 504)
  assert.deepEqual(err.details, { provider: 'compatible', timeout_ms: 1000, retryable: true })
  const [global] = await engine.budgetStatus()
  assert.equal(global.spent, quote.estimate, 'a timed-out call may have been billed')
})

test('content_generation_error when the provider returns no text', async () => {
  const engine = new splants.ContentEngine(paidOptions(mock.baseUrl, 'mock-empty'))
  const err = await rejection(engine.generate(TWEET), 'content_generation_error')
  assert.equal(err.status, 502)
  assert.match(err.details.reason, /no text/)
})

test('template_error names the template and the variable', async () => {
  const engine = offlineEngine()
  const err = await rejection(engine.generateFromTemplate('product_launch', { product_name: 'X' }), 'template_error')
  assert.equal(err.name, 'TemplateError')
  assert.equal(err.details.template, 'product_launch')
  assert.equal(typeof err.details.variable, 'string')
  assert.ok(['features', 'audience', 'launch_date'].includes(err.details.variable), err.details.variable)
  const bad = await rejection(
    engine.registerTemplate({ name: 'Bad-Name', version: '1', contentType: 'blog', topic: 't', prompt: 'p' }),
    'template_error',
  )
  assert.equal(bad.details.template, 'Bad-Name')
  assert.match(bad.details.reason, /^invalid name/)
})

test('not_found and unauthorized', async () => {
  const engine = offlineEngine({ apiKey: 'spl_test_bootstrap_key_0123456789' })
  const missing = await rejection(engine.getContent('0193-nope'), 'not_found')
  assert.equal(missing.status, 404)
  assert.deepEqual(missing.details, { kind: 'content', id: '0193-nope' })
  const tpl = await rejection(engine.getTemplate('no_such_template'), 'not_found')
  assert.equal(tpl.details.id, 'no_such_template')
  const denied = await rejection(engine.verifyApiKey('spl_wrong_key_0123456789'), 'unauthorized')
  assert.equal(denied.status, 403)
  assert.deepEqual(denied.details, { reason: 'invalid API key' })
  assert.doesNotMatch(denied.message, /spl_wrong/, 'the presented secret is never echoed')
})

test('config_error: the constructor throws, create() rejects', async () => {
  assert.throws(
    () => new splants.ContentEngine({ provider: 'compatible', openaiBaseUrl: 'localhost:11434' }),
    (err) => err instanceof Error && err.code === 'config_error' && err.details.field === 'openaiBaseUrl',
  )
  assert.throws(
    () => new splants.ContentEngine({ monthlyBudjet: 5 }),
    (err) => err.code === 'config_error' && err.details.field === 'monthlyBudjet',
  )
  const err = await rejection(splants.ContentEngine.create({ provider: 'compatible', databaseUrl: 'memory://' }), 'config_error')
  assert.equal(err.details.field, 'OPENAI_BASE_URL')
  const lazy = new splants.ContentEngine({ provider: 'compatible', databaseUrl: 'memory://' })
  const first = await rejection(lazy.generate(TWEET), 'config_error')
  assert.equal(first.details.field, 'OPENAI_BASE_URL')
  const unpriced = await rejection(
    splants.ContentEngine.create({ provider: 'compatible', openaiBaseUrl: mock.baseUrl, model: 'unpriced-model' }),
    'config_error',
  )
  assert.match(unpriced.message, /unpriced-model/)
})

test('the database URLs people type: sqlx and SQLAlchemy in-memory forms work, the ambiguous file form is refused', async () => {
  for (const databaseUrl of ['sqlite::memory:', 'sqlite:///:memory:']) {
    const engine = await splants.ContentEngine.create({ provider: 'offline', databaseUrl })
    assert.equal((await engine.generate(TWEET)).stored, true)
  }
  const err = await rejection(splants.ContentEngine.create({ provider: 'offline', databaseUrl: 'sqlite:///app.db' }), 'config_error')
  assert.equal(err.details.field, 'DATABASE_URL')
  assert.match(err.details.reason, /sqlite:\/\/\/\.\/x\.db/)
})

test('a panic in Rust rejects with code internal and the process lives on', async () => {
  const err = await rejection(splants.__panicForTest(), 'internal')
  assert.equal(err.name, 'InternalServerError')
  assert.match(err.message, /panic in the splants engine: deliberate panic for the test suite/)
  const piece = await offlineEngine().generate(TWEET)
  assert.equal(piece.provider, 'offline')
})
