// Publishing from Node: a webhook account pointed at a local receiver that checks the
// signature, the schedule API, and the rejections (validation_error, conflict, not_found).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { TWEET, offlineEngine, rejection } from './helpers.mjs'

const SECRET = 'hook-secret-for-tests'

async function startReceiver() {
  const state = { posts: [], keys: new Set(), badSignatures: 0 }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const ts = req.headers['x-splants-timestamp'] ?? ''
      const want = 'sha256=' + createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')
      if (req.headers['x-splants-signature'] !== want) state.badSignatures += 1
      const post = JSON.parse(body)
      state.posts.push(post)
      state.keys.add(req.headers['idempotency-key'])
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: `cms-${post.idempotency_key}`, url: 'https://cms.test/p' }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${server.address().port}/hooks/splants`
  state.close = () => new Promise((resolve) => server.close(resolve))
  return state
}

function engineFor(receiver) {
  return offlineEngine({
    publishAccounts: { cms: { kind: 'webhook', url: receiver.url, secret: SECRET } },
    schedulePoll: 0.05,
  })
}

async function waitFor(engine, id, status) {
  for (let i = 0; i < 400; i++) {
    const post = await engine.getScheduledPost(id)
    if (post.status === status) return post
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  assert.fail(`${id} never became ${status}`)
}

test('a piece is published through a signed webhook account', async () => {
  const receiver = await startReceiver()
  try {
    const engine = engineFor(receiver)
    assert.deepEqual(await engine.accounts(), [{ name: 'cms', platform: 'webhook', idempotent: true, threads: false }])
    const piece = await engine.generate(TWEET)
    const [post] = await engine.publish({ contentId: piece.id, targets: ['cms'] })
    assert.equal(post.status, 'scheduled')
    const done = await waitFor(engine, post.id, 'published')
    assert.equal(done.post_id, `cms-${post.id}`)
    assert.equal(done.post_url, 'https://cms.test/p')
    assert.equal(done.attempts, 1)
    assert.equal(receiver.badSignatures, 0)
    assert.equal(receiver.posts[0].content_id, piece.id)
    assert.deepEqual([...receiver.keys], [post.id])
  } finally {
    await receiver.close()
  }
})

test('the schedule lists, reschedules and cancels; a done entry is a conflict', async () => {
  const receiver = await startReceiver()
  try {
    const engine = engineFor(receiver)
    const acme = { tenant: 'acme' }
    const piece = await engine.generate(TWEET, acme)
    const at = (h) => new Date(Date.now() + h * 3600_000).toISOString()
    const [late] = await engine.publish({ contentId: piece.id, targets: ['cms'], scheduledTime: at(3) }, acme)
    const [soon] = await engine.publish({ content_id: piece.id, targets: ['cms'], scheduled_time: at(2) }, acme)
    const page = await engine.listSchedule({ status: 'scheduled', limit: 1 }, acme)
    assert.deepEqual(page.items.map((p) => p.id), [soon.id])
    const rest = await engine.listSchedule({ cursor: page.next_cursor }, acme)
    assert.deepEqual(rest.items.map((p) => p.id), [late.id])
    const other = { tenant: 'other' }
    assert.deepEqual((await engine.listSchedule({}, other)).items, [], 'another tenant sees none')
    const moved = await engine.reschedulePost(late.id, at(1), acme)
    assert.equal(moved.status, 'scheduled')
    const cancelled = await engine.cancelPost(soon.id, acme)
    assert.equal(cancelled.status, 'cancelled')
    const conflict = await rejection(engine.cancelPost(soon.id, acme), 'conflict')
    assert.equal(conflict.details.state, 'cancelled')
    await rejection(engine.getScheduledPost(late.id, other), 'not_found')
    assert.deepEqual(receiver.posts, [], 'nothing was due')
  } finally {
    await receiver.close()
  }
})

test('bad publish calls reject with validation_error naming the field', async () => {
  const receiver = await startReceiver()
  try {
    const engine = engineFor(receiver)
    const piece = await engine.generate(TWEET)
    const unknown = await rejection(engine.publish({ contentId: piece.id, targets: ['nope'] }), 'validation_error')
    assert.equal(unknown.details.field, 'targets[0]')
    const past = await rejection(
      engine.publish({ contentId: piece.id, targets: ['cms'], scheduledTime: '2001-01-01T00:00:00Z' }),
      'validation_error',
    )
    assert.equal(past.details.field, 'scheduled_time')
    await rejection(engine.publish({ contentId: piece.id, targets: 'cms' }), 'validation_error')
    await rejection(engine.publish({ contentId: piece.id, targets: ['cms'], colour: 'red' }), 'validation_error')
    await rejection(engine.listSchedule({ status: 'sent' }), 'validation_error')
    await rejection(engine.reschedulePost('x', 'tomorrow'), 'validation_error')
    await rejection(engine.publish({ contentId: '0000', targets: ['cms'] }), 'not_found')
    assert.deepEqual((await engine.listSchedule()).items, [])
  } finally {
    await receiver.close()
  }
})
