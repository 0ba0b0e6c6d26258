// Two Node processes, each an HTTP server over an engine configured from the environment
// (`ContentEngine.fromEnv()`, as a deployed app is), on one PostgreSQL schema and one Redis: a
// storm of concurrent requests through both never overspends the one budget, and one key's
// quota holds across both.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { BLOG, MOCK_PRICE, REDIS, schema, splants, startMockProvider } from './helpers.mjs'

const ADDON = fileURLToPath(new URL('..', import.meta.url))

// One process: POST /generate with X-API-Key → the piece, or the error's status and code.
const SERVER = `
const { createServer } = require('node:http')
const { ContentEngine } = require(${JSON.stringify(ADDON)})
ContentEngine.fromEnv().then((engine) => {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', async () => {
      try {
        const { context } = await engine.verifyApiKey(req.headers['x-api-key'] ?? '')
        const piece = await engine.generate(JSON.parse(body), context)
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(piece))
      } catch (err) {
        res.writeHead(err.status ?? 500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: err.code }))
      }
    })
  })
  server.listen(0, '127.0.0.1', () => console.log(server.address().port))
})
`

async function startProcesses(t, env, n = 2) {
  const urls = []
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, ['-e', SERVER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    t.after(() => child.kill())
    const port = await new Promise((resolve, reject) => {
      child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
      child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)))
    })
    urls.push(`http://127.0.0.1:${port}`)
  }
  return urls
}

function environment(baseUrl, databaseUrl, key, budget, perHour) {
  return {
    SPLANTS_PROVIDER: 'compatible',
    OPENAI_BASE_URL: baseUrl,
    SPLANTS_MODEL: 'mock',
    SPLANTS_PRICES: JSON.stringify({ mock: MOCK_PRICE }),
    SPLANTS_PROVIDER_MAX_ATTEMPTS: '1',
    MONTHLY_AI_BUDGET: String(budget),
    DATABASE_URL: databaseUrl,
    REDIS_URL: REDIS,
    API_KEY: key,
    SPLANTS_RATE_STANDARD_PER_HOUR: String(perHour),
    SPLANTS_RATE_PER_MINUTE: '0',
  }
}

const post = (url, key) =>
  fetch(`${url}/generate`, { method: 'POST', headers: { 'x-api-key': key }, body: JSON.stringify(BLOG) }).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }))

test('two processes share one budget and never overspend it', async (t) => {
  const databaseUrl = schema(t)
  const mock = await startMockProvider()
  t.after(() => mock.close())
  const { estimate } = await new splants.ContentEngine({ provider: 'compatible', openaiBaseUrl: mock.baseUrl, model: 'mock', prices: { mock: MOCK_PRICE } }).quote(BLOG)
  const budget = estimate * 10.5
  const key = `spl_node_${randomUUID().replaceAll('-', '')}`
  const urls = await startProcesses(t, environment(mock.baseUrl, databaseUrl, key, budget, 1_000_000))
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(urls[i % 2], key)))
  assert.ok(answers.every((a) => a.status === 200 || (a.status === 402 && a.body.code === 'budget_exceeded')), JSON.stringify(answers.map((a) => a.status)))
  const paid = answers.filter((a) => a.status === 200).map((a) => a.body.cost_usd)
  assert.ok(paid.length > 0 && paid.length < 60, `${paid.length} of 60 paid`)
  // A third instance on the same database reads the one ledger both processes wrote.
  const reader = await splants.ContentEngine.create({ provider: 'offline', databaseUrl, monthlyBudget: budget })
  const [global] = await reader.budgetStatus()
  assert.ok(global.spent <= budget, `overspent: ${global.spent} > ${budget}`)
  assert.ok(Math.abs(global.spent - paid.reduce((x, y) => x + y, 0)) < 1e-9)
  assert.deepEqual([global.reserved, global.in_flight], [0, 0])
})

test('two processes share one quota', async (t) => {
  const databaseUrl = schema(t)
  const mock = await startMockProvider()
  t.after(() => mock.close())
  const key = `spl_node_${randomUUID().replaceAll('-', '')}`
  const urls = await startProcesses(t, environment(mock.baseUrl, databaseUrl, key, 100, 5))
  const statuses = []
  for (let i = 0; i < 8; i++) statuses.push((await post(urls[i % 2], key)).status)
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429])
})
