// Timings of `engine.generateStream(...)` from Node, for `cargo bench --bench stream`.
//
// Against the OpenAI-format upstream at --base-url (which streams 500 chunks), runs the same
// brief --runs times after --warmup runs and prints one line per run: microseconds from the
// call to the first delta, to the last delta, and to the finished piece.
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

const require = createRequire(import.meta.url)
const { ContentEngine } = require('..')

const { values } = parseArgs({ options: { 'base-url': { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' } } })
const runs = Number(values.runs ?? 200)
const warmup = Number(values.warmup ?? 20)
const BRIEF = { contentType: 'blog', topic: 'streaming benchmark', keywords: ['stream'], length: 600 }

const engine = new ContentEngine({
  provider: 'openai',
  openaiApiKey: 'sk-bench-0000000000000000',
  openaiBaseUrl: values['base-url'],
  model: 'gpt-4o-mini',
  maxAttempts: 1,
  monthlyBudget: 1_000_000,
  databaseUrl: 'memory://',
})

const micros = (t0) => Number(process.hrtime.bigint() - t0) / 1e3

async function one() {
  const t0 = process.hrtime.bigint()
  let first = 0
  let last = 0
  for await (const event of engine.generateStream(BRIEF)) {
    const now = micros(t0)
    if (event.kind === 'delta') {
      last = now
      if (!first) first = now
    } else {
      return [first, last, now]
    }
  }
  throw new Error('the stream ended without its piece')
}

for (let i = 0; i < warmup; i++) await one()
const lines = []
for (let i = 0; i < runs; i++) lines.push((await one()).map((v) => v.toFixed(1)).join(' '))
console.log(lines.join('\n'))
