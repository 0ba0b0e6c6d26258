// Shared test fixtures: the addon, and an OpenAI-format chat completions server on 127.0.0.1.
import { createServer } from 'node:http'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'

const require = createRequire(import.meta.url)
/** The addon as a user loads it (`require('splants')` resolves to this package's index.js). */
export const splants = require('..')

/** Price of every mock model, dollars per million tokens (steep, so small budgets run out). */
export const MOCK_PRICE = { input: 1000, output: 1000 }

/**
 * Starts a chat completions server whose behaviour depends on the requested model:
 * `mock` answers at once with usage ≤ `max_tokens`; `mock-fail` answers 400; `mock-empty`
 * answers with no text; `mock-hang` never answers; `mock-gated` answers once `gate()` resolves.
 * A request with `stream: true` is answered with OpenAI's chunk events, one word per chunk
 * (`STREAM_WORDS` words, 2 ms apart) and a usage chunk counting the words sent; `streamed`
 * lists each streamed answer's `{ words, left }` (left: the client went away first).
 * Returns `{ baseUrl, calls, streamed, close, gate }`.
 */
export async function startMockProvider() {
  const state = { calls: 0, gate: () => Promise.resolve(), hung: [], streamed: [] }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end()
        return
      }
      state.calls += 1
      const request = JSON.parse(body)
      const model = request.model
      if (model === 'mock-hang') {
        state.hung.push(res)
        return
      }
      if (model === 'mock-fail') {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: 'model does not accept this prompt', type: 'invalid_request_error', code: null } }))
        return
      }
      if (model === 'mock-gated') await state.gate()
      if (request.stream) {
        streamAnswer(request, res, state)
        return
      }
      const promptBytes = request.messages.reduce((n, m) => n + Buffer.byteLength(m.content), 0)
      const promptTokens = Math.ceil(promptBytes / 4) // real tokenizers need about 4 bytes a token
      const completionTokens = request.max_tokens // the worst a provider may bill
      const content =
        model === 'mock-empty'
          ? ''
          : `# ${model} answer\n\nMarketing copy about the brief, written by the mock provider. Start your free trial today.`
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          id: `chatcmpl-${state.calls}`,
          object: 'chat.completion',
          created: 1_764_000_000,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
        }),
      )
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get calls() {
      return state.calls
    },
    get streamed() {
      return state.streamed
    },
    /** Holds `mock-gated` answers until the returned promise resolves. */
    setGate(fn) {
      state.gate = fn
    },
    close() {
      for (const res of state.hung) res.destroy()
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Words in a streamed mock answer. */
export const STREAM_WORDS = 40
/** The prompt tokens a streamed mock answer reports. */
export const STREAM_PROMPT_TOKENS = 10

function streamAnswer(request, res, state) {
  const record = { words: 0, left: false }
  state.streamed.push(record)
  const chunk = (body) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: request.model, ...body })}\n\n`
  res.on('close', () => {
    if (!res.writableFinished) record.left = true
  })
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  let i = 0
  const step = () => {
    if (record.left || res.destroyed) return
    if (i < STREAM_WORDS) {
      const text = i === 0 ? 'word0' : ` word${i}`
      res.write(chunk({ choices: [{ index: 0, delta: { content: text } }] }))
      record.words += 1
      i += 1
      setTimeout(step, 2)
      return
    }
    res.write(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }))
    const usage = { prompt_tokens: STREAM_PROMPT_TOKENS, completion_tokens: record.words, total_tokens: STREAM_PROMPT_TOKENS + record.words }
    res.write(chunk({ choices: [], usage }))
    res.end('data: [DONE]\n\n')
  }
  step()
}

/** What the upstream billed for the streamed answers: the words it sent, at MOCK_PRICE. */
export function streamedBill(streamed) {
  return streamed.reduce((sum, s) => sum + ((STREAM_PROMPT_TOKENS + s.words) * MOCK_PRICE.output) / 1_000_000, 0)
}

/** Engine options for a paid, OpenAI-compatible mock model. */
export function paidOptions(baseUrl, model, extra = {}) {
  return {
    provider: 'compatible',
    openaiBaseUrl: baseUrl,
    model,
    prices: { [model]: MOCK_PRICE },
    databaseUrl: 'memory://',
    maxAttempts: 1,
    ...extra,
  }
}

/** An offline engine keeping everything in memory. */
export function offlineEngine(extra = {}) {
  return new splants.ContentEngine({ provider: 'offline', databaseUrl: 'memory://', ...extra })
}

/** Awaits `promise`, asserts it rejects with an `Error` of `code`, and returns the error. */
export async function rejection(promise, code) {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof Error, `expected an Error instance, got ${typeof err}`)
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`)
    return err
  }
  assert.fail(`expected a rejection with code ${code}, but the call resolved`)
}

export const BLOG = { contentType: 'blog', topic: 'AI marketing tips for small shops', keywords: ['AI marketing'] }
export const TWEET = { content_type: 'social_media', topic: 'Quick marketing tip of the day', platform: 'twitter', length: 40 }

// The same servers as the Rust tests (scripts/services.sh starts them).
export const POSTGRES = process.env.SPLANTS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS = 'redis://127.0.0.1:6379'

const psql = (sql) => execFileSync('psql', [POSTGRES, '-q', '-c', sql], { timeout: 30_000 })

/** A fresh schema's URL; dropped after the test. */
export function schema(t) {
  const name = `node_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  psql(`CREATE SCHEMA ${name}`)
  t.after(() => psql(`DROP SCHEMA ${name} CASCADE`))
  return `${POSTGRES}?options[search_path]=${name}`
}
