// Every public method of ContentEngine, against the offline drafter and an in-memory store.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BLOG, TWEET, offlineEngine, rejection, splants } from './helpers.mjs'

const LAUNCH_VARS = {
  product_name: 'Splants Pro',
  features: 'budget guard, templates',
  audience: 'marketing teams',
  launch_date: '2026-03-01',
}

test('generate resolves with a plain object in the original response shape', async () => {
  const engine = offlineEngine()
  const piece = await engine.generate(BLOG)
  assert.equal(Object.getPrototypeOf(piece), Object.prototype)
  assert.equal(piece.content_type, 'blog')
  assert.equal(piece.platform, 'blog')
  assert.equal(piece.topic, BLOG.topic)
  assert.equal(piece.provider, 'offline')
  assert.equal(piece.cost_usd, 0)
  assert.equal(piece.cached, false)
  assert.equal(piece.request.content_type, 'blog')
  assert.deepEqual(piece.request.keywords, ['AI marketing'])
  assert.equal(piece.request.seo_optimize, true)
  assert.ok(piece.content.length > 0)
  assert.ok(piece.quality_score >= 0 && piece.quality_score <= 1)
  assert.match(piece.metadata.notice, /offline/i)
  assert.ok(piece.metadata.word_count > 100, `${piece.metadata.word_count} words`)
  assert.equal(new Date(piece.created_at).toISOString().slice(0, 19), piece.created_at.slice(0, 19))
})

test('text outside ASCII comes back unchanged (results cross as ASCII JSON text)', async () => {
  const engine = offlineEngine()
  const topic = 'Café prices – 1–4 tips 😀 für 東京'
  const piece = await engine.generate({ ...TWEET, topic, keywords: ['café'] })
  assert.equal(piece.topic, topic)
  assert.equal(piece.request.topic, topic)
  assert.deepEqual(piece.request.keywords, ['café'])
  assert.equal((await engine.getContent(piece.id)).topic, topic)
})

test('requests accept camelCase and the original snake_case alike', async () => {
  const engine = offlineEngine()
  const camel = await engine.generate({ contentType: 'email', topic: 'Spring sale', callToAction: 'Shop now', seoOptimize: false })
  const snake = await engine.generate({ content_type: 'email', topic: 'Spring sale', call_to_action: 'Shop now', seo_optimize: false })
  assert.deepEqual(camel.request, snake.request)
  assert.equal(camel.request.call_to_action, 'Shop now')
  assert.equal(camel.request.seo_optimize, false)
})

test('generateBatch keeps going past a bad item and reports each in order', async () => {
  const engine = offlineEngine()
  const result = await engine.generateBatch([BLOG, { contentType: 'blog', topic: '' }, TWEET])
  assert.equal(result.total, 3)
  assert.equal(result.successful, 2)
  assert.equal(result.failed, 1)
  assert.deepEqual(
    result.results.map((r) => [r.index, r.status]),
    [
      [0, 'success'],
      [1, 'error'],
      [2, 'success'],
    ],
  )
  assert.equal(result.results[1].error.code, 'validation_error')
  assert.deepEqual(result.results[1].error.details, { field: 'topic', reason: 'must not be empty' })
  assert.equal(result.results[2].data.platform, 'twitter')
})

test('generateFromTemplate renders a built-in template and applies overrides', async () => {
  const engine = offlineEngine()
  const piece = await engine.generateFromTemplate('product_launch', LAUNCH_VARS, { platform: 'linkedin', targetAudience: 'CMOs' })
  assert.equal(piece.topic, 'Launch of Splants Pro')
  assert.deepEqual(piece.template, { name: 'product_launch', version: '1.0.0' })
  assert.equal(piece.platform, 'linkedin')
  assert.equal(piece.request.target_audience, 'CMOs')
})

test('quote prices a brief without generating', async () => {
  const engine = offlineEngine()
  const quote = await engine.quote(TWEET)
  assert.equal(quote.free, true)
  assert.equal(quote.estimate, 0)
  assert.equal(quote.targets.length, 1)
  assert.equal(quote.targets[0].provider, 'offline')
  assert.ok(quote.max_tokens > 0)
  const page = await engine.listContent()
  assert.equal(page.items.length, 0, 'a quote stores nothing')
})

test('getContent, listContent with paging and filters, deleteContent', async () => {
  const engine = offlineEngine()
  const a = await engine.generate(BLOG)
  const b = await engine.generate(TWEET)
  const c = await engine.generate({ ...BLOG, topic: 'Email subject lines that work' })
  assert.deepEqual(await engine.getContent(a.id), a)

  const first = await engine.listContent({ limit: 2 })
  assert.deepEqual(
    first.items.map((p) => p.id),
    [c.id, b.id],
  )
  assert.equal(typeof first.next_cursor, 'string')
  const second = await engine.listContent({ limit: 2, cursor: first.next_cursor })
  assert.deepEqual(
    second.items.map((p) => p.id),
    [a.id],
  )
  assert.equal(second.next_cursor, null)
  const tweets = await engine.listContent({ contentType: 'social_media' })
  assert.deepEqual(
    tweets.items.map((p) => p.id),
    [b.id],
  )
  const found = await engine.listContent({ text: 'subject lines' })
  assert.deepEqual(
    found.items.map((p) => p.id),
    [c.id],
  )

  assert.equal(await engine.deleteContent(b.id), undefined)
  await rejection(engine.getContent(b.id), 'not_found')
  await rejection(engine.deleteContent(b.id), 'not_found')
})

test('a tenant sees only its own pieces', async () => {
  const engine = offlineEngine()
  const mine = await engine.generate(BLOG, { tenant: 'acme' })
  assert.equal(mine.owner, 'acme')
  assert.deepEqual(await engine.getContent(mine.id, { tenant: 'acme' }), mine)
  await rejection(engine.getContent(mine.id, { tenant: 'globex' }), 'not_found')
  assert.equal((await engine.listContent({}, { tenant: 'globex' })).items.length, 0)
})

test('recordEvents, analyticsOverview, engagement and roi', async () => {
  const engine = offlineEngine()
  const piece = await engine.generate(TWEET)
  const stored = await engine.recordEvents([
    { eventName: 'impression', contentId: piece.id, count: 100 },
    { event_name: 'click', content_id: piece.id, count: 7 },
    { eventName: 'conversion', contentId: piece.id, value: 49.5 },
  ])
  assert.equal(stored, 3)

  const overview = await engine.analyticsOverview()
  assert.equal(overview.total_content, 1)
  assert.equal(overview.total_cost, 0)
  assert.deepEqual(overview.top_platforms, [{ platform: 'twitter', count: 1 }])
  assert.equal(overview.ai_usage.calls, 1)

  const report = await engine.engagement({ platform: 'twitter' })
  assert.equal(report.totals.impressions, 100)
  assert.equal(report.totals.clicks, 7)
  assert.equal(report.totals.conversions, 1)
  assert.equal(report.totals.revenue, 49.5)
  assert.equal(report.engagement_rate, 0.07)

  const roi = await engine.roi('week')
  assert.equal(roi.time_period, 'week')
  assert.equal(roi.pieces, 1)
  assert.equal(roi.ai_cost, 0)
  assert.equal(roi.freelance_cost, 25)
  assert.equal(roi.roi, null)
  assert.equal(roi.attributed_revenue, 49.5)

  const empty = await engine.analyticsOverview({ since: '2020-01-01T00:00:00Z', until: '2020-02-01T00:00:00Z' })
  assert.equal(empty.total_content, 0)
  assert.equal(empty.since, '2020-01-01T00:00:00Z')
  const original = await engine.analyticsOverview({ start_date: '2020-01-01T00:00:00Z', end_date: '2020-02-01T00:00:00Z' })
  assert.deepEqual(original, empty)
})

test('budgetStatus reports the global scope and the caller key scope', async () => {
  const engine = offlineEngine({ monthlyBudget: 12.5 })
  const [global] = await engine.budgetStatus()
  assert.equal(global.scope, 'global')
  assert.equal(global.limit, 12.5)
  assert.equal(global.spent, 0)
  assert.equal(global.remaining, 12.5)
  const scopes = await engine.budgetStatus({ keyId: 'k1', keyBudget: 2 })
  assert.deepEqual(
    scopes.map((s) => [s.scope, s.limit]),
    [
      ['global', 12.5],
      ['key:k1', 2],
    ],
  )
  const unlimited = await offlineEngine({ monthlyBudget: null }).budgetStatus()
  assert.equal(unlimited[0].limit, null)
})

test('listTemplates, getTemplate and registerTemplate', async () => {
  const engine = offlineEngine()
  const names = (await engine.listTemplates()).map((t) => t.name)
  assert.ok(names.includes('product_launch'), names.join(','))
  const launch = await engine.getTemplate('product_launch')
  assert.equal(launch.content_type, 'social_media')
  assert.deepEqual(
    launch.variables.map((v) => v.name),
    ['product_name', 'features', 'audience', 'launch_date'],
  )

  const added = await engine.registerTemplate({
    name: 'webinar_invite',
    version: '2.0.0',
    contentType: 'email',
    defaultTone: 'friendly',
    variables: [{ name: 'webinarTitle', description: 'title', kind: 'string' }, { name: 'seats', kind: 'integer', default: 50 }],
    topic: 'Invitation: {{ webinarTitle }}',
    prompt: 'Invite readers to {{ webinarTitle }}; only {{ seats }} seats.',
  })
  assert.equal(added, undefined)
  const stored = await engine.getTemplate('webinar_invite')
  assert.equal(stored.default_tone, 'friendly')
  assert.deepEqual(stored.variables[1], { name: 'seats', description: '', kind: 'integer', required: true, default: 50 })
  const piece = await engine.generateFromTemplate('webinar_invite', { webinarTitle: 'Budgets that hold' })
  assert.equal(piece.topic, 'Invitation: Budgets that hold')
  assert.deepEqual(piece.template, { name: 'webinar_invite', version: '2.0.0' })
})

test('verifyApiKey accepts the bootstrap key and hands back a usable context', async () => {
  const secret = 'spl_test_bootstrap_key_0123456789'
  const engine = offlineEngine({ apiKey: secret, rateLimits: { standard: 2 } })
  const { key, context } = await engine.verifyApiKey(secret)
  assert.equal(key.role, 'admin')
  assert.equal(key.status, 'active')
  assert.equal(key.hash, undefined, 'the hash never leaves Rust')
  assert.deepEqual(context, { keyId: key.id, tier: 'standard' })
  const piece = await engine.generate(TWEET, context)
  assert.equal(piece.owner, key.id)
  await engine.generate(TWEET, context)
  await rejection(engine.generate(TWEET, context), 'rate_limited')
})

test('ContentEngine.create builds eagerly; fromEnv reads the environment', async () => {
  const engine = await splants.ContentEngine.create({ provider: 'offline', databaseUrl: 'memory://', monthlyBudget: 3 })
  assert.ok(engine instanceof splants.ContentEngine)
  assert.equal((await engine.budgetStatus())[0].limit, 3)

  const saved = { ...process.env }
  Object.assign(process.env, { SPLANTS_PROVIDER: 'offline', DATABASE_URL: 'memory://', MONTHLY_AI_BUDGET: '7.25' })
  try {
    const fromEnv = await splants.ContentEngine.fromEnv()
    assert.ok(fromEnv instanceof splants.ContentEngine)
    assert.equal((await fromEnv.budgetStatus())[0].limit, 7.25)
    assert.equal((await fromEnv.generate(TWEET)).provider, 'offline')
  } finally {
    for (const k of ['SPLANTS_PROVIDER', 'DATABASE_URL', 'MONTHLY_AI_BUDGET']) {
      if (k in saved) process.env[k] = saved[k]
      else delete process.env[k]
    }
  }
})

test('the cache answers a repeated brief for free', async () => {
  const engine = offlineEngine({ cache: true, cacheTtl: 60 })
  const first = await engine.generate(BLOG)
  const again = await engine.generate(BLOG)
  assert.equal(first.cached, false)
  assert.equal(again.cached, true)
  assert.equal(again.id, first.id)
  assert.equal(again.content, first.content)
})
