// Two builds of the addon compared in one process: each round calls `generate` on both, in
// alternating order, so load on the machine and the process's memory layout affect both alike.
// Prints each build's median and the median of the paired differences (first − second).
//
//   cp splants.linux-x64-gnu.node /tmp/before.node   # then change, rebuild, and:
//   node bench/paired.mjs /tmp/before.node ./splants.linux-x64-gnu.node [N=10000]
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const require = createRequire(import.meta.url)
const [first, second] = process.argv.slice(2, 4).map((path) => resolve(path))
const N = Number(process.argv[4] ?? 10000)
const brief = {
  contentType: 'social_media',
  topic: 'Three ways to keep an AI budget in check',
  keywords: ['AI budget', 'marketing'],
  platform: 'linkedin',
  tone: 'friendly',
}
const options = { provider: 'offline', databaseUrl: 'memory://', monthlyBudget: null }
const engines = [await require(first).ContentEngine.create(options), await require(second).ContentEngine.create(options)]

async function once(engine, i) {
  const t0 = process.hrtime.bigint()
  await engine.generate({ ...brief, topic: `${brief.topic} #${i}` })
  return Number(process.hrtime.bigint() - t0) / 1000
}

for (let i = 0; i < 1000; i++) for (const engine of engines) await once(engine, i)
const us = [new Float64Array(N), new Float64Array(N)]
const diff = new Float64Array(N)
for (let i = 0; i < N; i++) {
  for (const k of i % 2 ? [0, 1] : [1, 0]) us[k][i] = await once(engines[k], i)
  diff[i] = us[0][i] - us[1][i]
}
const median = (xs) => Float64Array.from(xs).sort()[xs.length >> 1]
console.log(`first  ${first}: median ${median(us[0]).toFixed(1)} µs`)
console.log(`second ${second}: median ${median(us[1]).toFixed(1)} µs`)
console.log(`first − second, paired: median ${median(diff).toFixed(1)} µs (n=${N})`)
