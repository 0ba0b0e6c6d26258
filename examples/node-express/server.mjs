// The original app's content routes, served by Express through the splants addon.
//
//   POST /v1/content/generate   one brief  → the generated piece
//   POST /v1/content/batch      [briefs]   → { batch_id, total, successful, failed, results }
//
// Every request needs an `X-API-Key` header; the engine checks it (`verifyApiKey`) and its
// context carries the key's tier, rate limits and budget into the call. Errors come back in the
// original's shape `{ error, type, code, details }` with 402 (budget), 429 (rate limit),
// 422 (validation), 502 (provider), 403 (key) and so on: the status the engine gives each code.
//
// Run: API_KEY=your-secret node server.mjs   (offline drafter, nothing stored on disk)
import express from 'express'
import { ContentEngine } from 'splants'
import { pathToFileURL } from 'node:url'

/**
 * Sends an engine error as the original's error body. `err.status` is the engine's mapping of
 * `err.code`: budget_exceeded → 402, rate_limited → 429, validation_error → 422,
 * provider_error → 502, unauthorized → 403, not_found → 404, provider_timeout → 504.
 * Anything else (a bug) is a 500 without internals.
 */
function sendError(res, err) {
  const status = Number.isInteger(err.status) ? err.status : 500
  if (err.code === 'rate_limited') res.set('Retry-After', String(Math.ceil(err.details.retry_after_s)))
  const known = status !== 500
  res.status(status).json({
    error: known ? err.message : 'internal server error',
    type: known ? err.name : 'InternalServerError',
    code: err.code ?? 'internal',
    details: known ? err.details : {},
  })
}

/** An Express app answering the content routes with `engine`. */
export function createApp(engine) {
  const app = express()
  app.use(express.json({ limit: '256kb' }))

  // X-API-Key → the caller's context (key id, tier, own quota and budget, tenant).
  app.use('/v1', async (req, res, next) => {
    try {
      const { context } = await engine.verifyApiKey(req.get('X-API-Key') ?? '')
      res.locals.context = { ...context, requestId: req.get('X-Request-Id') }
      next()
    } catch (err) {
      sendError(res, err)
    }
  })

  app.post('/v1/content/generate', async (req, res) => {
    try {
      res.json(await engine.generate(req.body, res.locals.context))
    } catch (err) {
      sendError(res, err)
    }
  })

  app.post('/v1/content/batch', async (req, res) => {
    try {
      res.json(await engine.generateBatch(req.body, res.locals.context))
    } catch (err) {
      sendError(res, err)
    }
  })

  // Malformed JSON bodies and other middleware errors.
  app.use((err, req, res, _next) => {
    if (err.type === 'entity.parse.failed') {
      const details = { field: 'body', reason: err.message }
      sendError(res, { status: 422, code: 'validation_error', name: 'ValidationError', message: 'the body is not valid JSON', details })
    } else {
      sendError(res, err)
    }
  })
  return app
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const engine = await ContentEngine.create({
    provider: process.env.SPLANTS_PROVIDER ?? 'offline',
    openaiApiKey: process.env.OPENAI_API_KEY,
    databaseUrl: process.env.DATABASE_URL ?? 'memory://',
    apiKey: process.env.API_KEY,
  })
  const port = Number(process.env.PORT ?? 3000)
  createApp(engine).listen(port, '127.0.0.1', () => console.log(`splants example on http://127.0.0.1:${port}`))
}
