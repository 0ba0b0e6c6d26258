// A local OpenAI-compatible upstream for the browser tests: `POST /v1/chat/completions` answered
// as OpenAI answers it (a `chat.completion`, or with `"stream": true` a `chat.completion.chunk`
// SSE stream ending in a usage chunk when `stream_options.include_usage` asks for one, then
// `data: [DONE]`), `GET /v1/models`, and `POST /hook` for the webhook publisher. Chunks are
// paced (`chunkDelayMs`) so a test can see the copy arrive before it is done.

import { createServer } from 'node:http';

const BLOG = `# Spring marketing for small teams

Spring is the season small teams can win. Fresh campaigns, clear offers and a steady rhythm of posts turn attention into customers.

## Plan one offer

Pick a single offer and say it plainly. Marketing that asks for one thing gets more answers than marketing that asks for five.

## Write for one reader

Picture the person who needs your product this week. Use their words, answer their question, and show them the next step.

## Measure what matters

Count clicks, replies and sign-ups, not likes. Keep what works and drop what does not.

Start your free trial today and plan your spring campaign in an afternoon.`;

const SOCIAL = 'Spring is here: plan one clear offer, write for one reader, and measure sign-ups, not likes. Start your free trial today! #marketing #spring';

function words(text) {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

function textFor(body) {
  const prompt = (body.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n').toLowerCase();
  return /twitter|bluesky|mastodon|threads|tweet|social/.test(prompt) ? SOCIAL : BLOG;
}

function usage(body, text) {
  const promptChars = JSON.stringify(body.messages ?? []).length;
  const prompt_tokens = Math.ceil(promptChars / 4);
  const completion_tokens = words(text).length;
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the upstream on 127.0.0.1; resolves with its port, what it received and `close()`. */
export function startUpstream({ chunkDelayMs = 40 } = {}) {
  const seen = { completions: 0, streams: 0, hooks: [] };
  let n = 0;
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'dash-model', object: 'model', created: 1700000000, owned_by: 'system' }] }));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/hook') {
      const body = JSON.parse(raw || '{}');
      seen.hooks.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `post-${seen.hooks.length}`, url: `http://127.0.0.1/posts/${seen.hooks.length}` }));
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Unknown request URL: ${req.method} ${url.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }));
      return;
    }
    const body = JSON.parse(raw);
    const text = textFor(body);
    const id = `chatcmpl-dash${++n}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;
    seen.completions += 1;
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
        usage: usage(body, text), service_tier: 'default', system_fingerprint: 'fp_dash',
      }));
      return;
    }
    seen.streams += 1;
    const withUsage = body.stream_options?.include_usage === true;
    const extra = withUsage ? { usage: null } : {};
    const chunk = (choices, more = extra) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: 'fp_dash', choices, ...more })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]));
    for (const w of words(text)) {
      await sleep(chunkDelayMs);
      if (res.destroyed) return;
      res.write(chunk([{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }]));
    }
    res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
    if (withUsage) res.write(chunk([], { usage: usage(body, text) }));
    res.end('data: [DONE]\n\n');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ port, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}
