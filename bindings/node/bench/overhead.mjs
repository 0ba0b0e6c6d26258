// Per-call cost of `await engine.generate(...)` seen from Node: offline drafter, in-memory store,
// N sequential awaits (one call in flight at a time). Compare the median with the same call
// timed in Rust to get what the binding adds (argument conversion, the future's box,
// serializing the result and building the result object; a call that never waits, like this
// one, settles without a hop between threads):
//
//   node bench/overhead.mjs [N=5000]
//   cargo bench -p splants-node --bench overhead --target x86_64-unknown-linux-gnu [-- N]
//
// Each `generate` is also split in two: the engine's own `generate`, timed inside the addon in
// the same call (`__lastEngineMicros()`), and the rest, what the binding added in this process.
//
// `budgetStatus()` is timed the same way as a floor: it does almost nothing in Rust, so its
// time is close to the bare cost of one Promise-returning call through the addon. The last line
// times `JSON.parse` of one result's JSON text, what building the result object costs in V8.
import { createRequire } from 'node:module'

const { ContentEngine, __lastEngineMicros } = createRequire(import.meta.url)('..')
const N = Number(process.argv[2] ?? 5000)
const WARMUP = Math.min(500, N)

const engine = await ContentEngine.create({ provider: 'offline', databaseUrl: 'memory://', monthlyBudget: null })
const brief = {
  contentType: 'social_media',
  topic: 'Three ways to keep an AI budget in check',
  keywords: ['AI budget', 'marketing'],
  platform: 'linkedin',
  tone: 'friendly',
}

// N timed calls after the warm-up. With `split`, also what the engine's own `generate` took
// inside the addon in the same call (the addon times it): the difference is what the binding
// added in this process, beside the engine as it runs here rather than in a Rust benchmark of
// its own.
async function time(label, call, split = false) {
  for (let i = 0; i < WARMUP; i++) await call(i)
  const us = new Float64Array(N)
  const inEngine = new Float64Array(split ? N : 0)
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint()
    const result = call(i)
    if (result instanceof Promise) await result
    us[i] = Number(process.hrtime.bigint() - t0) / 1000
    if (split) inEngine[i] = __lastEngineMicros()
  }
  if (!split) return report(label, us)
  const added = us.map((total, i) => total - inEngine[i])
  report(label, us)
  report('  of which in the engine', inEngine)
  report('  added by the binding', added)
}

function report(label, us) {
  us.sort()
  const mean = us.reduce((a, b) => a + b, 0) / N
  const pct = (p) => us[Math.min(N - 1, Math.floor(p * N))]
  console.log(
    `${label.padEnd(28)} n=${N}  mean ${mean.toFixed(1)} µs  median ${pct(0.5).toFixed(1)} µs  p90 ${pct(0.9).toFixed(1)} µs  p99 ${pct(0.99).toFixed(1)} µs  min ${us[0].toFixed(1)} µs`,
  )
}

console.log(`node ${process.version}, splants addon (release), offline provider, memory://`)
await time('generate (offline, memory)', (i) => engine.generate({ ...brief, topic: `${brief.topic} #${i}` }), true)
await time('budgetStatus (floor)', () => engine.budgetStatus())
// V8's half of handing a result over, hot: the binding gives `JSON.parse` the result as JSON text.
const text = JSON.stringify(await engine.generate(brief))
await time('JSON.parse (result, hot)', () => JSON.parse(text))
