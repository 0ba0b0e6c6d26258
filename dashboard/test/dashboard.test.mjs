// The dashboard in a real browser (Debian's chromium driven by playwright-core) against a
// running splants-server and a local OpenAI-compatible upstream: streaming generation, the
// 402 and 429 explanations, a validation error at its field, library filters and paging,
// scheduling and cancelling, key rotation, charts drawn from the data made here, axe-core on
// every page, no CSP violation anywhere, and a 360 px wide viewport.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ADMIN_KEY, rssKiB, startServer } from './server.mjs';
import { startUpstream } from './upstream.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, '..', 'test-output');
const docsDir = resolve(here, '..', '..', 'docs', 'dashboard');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PAGES = ['/generate', '/library', '/schedule', '/analytics', '/budget', '/settings'];

let upstream;
let server;
let browser;
let context;
const keys = {};
const TOPIC = 'Spring marketing for small teams';

/** Saves a screenshot to test-output/ and, with SCREENSHOTS=1, to docs/dashboard/. */
async function shot(page, name, fullPage = true) {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  if (process.env.SCREENSHOTS === '1') {
    mkdirSync(docsDir, { recursive: true });
    copyFileSync(file, join(docsDir, `${name}.png`));
  }
}

/** A page that records CSP violations, page errors and failed scripts. */
async function newPage(ctx = context) {
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (402|403|404|409|422|429)/.test(m.text())) page.problems.push(`console error: ${m.text()}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return page;
}

/** Fails on any CSP violation or page error seen by `page`. */
async function clean(page) {
  const csp = await page.evaluate(() => window.__csp);
  assert.deepEqual(csp, [], `CSP violations: ${csp.join('; ')}`);
  assert.deepEqual(page.problems, [], page.problems.join('; '));
}

/** The end of a test's page: no CSP violation or page error on it, then closed. */
async function finish(page) {
  await clean(page);
  await page.close();
}

/** Runs axe-core on the page as it is: no serious or critical violation. */
async function axe(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
    [],
    `axe on ${what}`,
  );
  return result.violations.length;
}

/**
 * Opens `path` with `key` in the tab's session storage, put there before the page's own script
 * runs (setting it after a first load would let that page spend a request of the key).
 */
async function open(page, path, key = ADMIN_KEY) {
  await page.addInitScript((k) => {
    try {
      if (!sessionStorage.getItem('splants.apiKey')) sessionStorage.setItem('splants.apiKey', k);
    } catch {
      // about:blank has no storage
    }
  }, key);
  await page.goto(server.base + path);
  await page.waitForLoadState('networkidle');
}

before(async () => {
  upstream = await startUpstream({ chunkDelayMs: 60 });
  server = await startServer(upstream.port);
  await new Promise((r) => setTimeout(r, 1000));
  const rss = rssKiB(server.pid);
  console.log(`# splants-server started in ${server.startedMs} ms; idle RSS ${(rss / 1024).toFixed(1)} MiB`);
  if (process.env.SPLANTS_RSS_LIMIT_MIB) assert.ok(rss / 1024 <= Number(process.env.SPLANTS_RSS_LIMIT_MIB), `idle RSS ${rss} KiB`);
  // Keys the tests use: one with a tiny budget, one with one request an hour, one to rotate.
  for (const [name, extra] of [['tiny-budget', { budget: 0.0001 }], ['one-an-hour', { rate_limit_per_hour: 1 }], ['rotate-me', {}]]) {
    const r = await server.api('POST', '/v1/admin/keys', { name, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    keys[name] = r.body;
  }
  // Data for the library and the charts: pieces on several platforms and types, and events.
  const briefs = [
    { content_type: 'social_media', topic: 'Spring sale on X', platform: 'twitter' },
    { content_type: 'social_media', topic: 'Spring sale on LinkedIn', platform: 'linkedin' },
    { content_type: 'email', topic: 'Welcome to the spring club' },
    { content_type: 'ad_copy', topic: 'Winter boots clearance' },
    { content_type: 'product_description', topic: 'Garden gloves' },
    { content_type: 'social_media', topic: 'Mastodon spring tips', platform: 'mastodon' },
    { content_type: 'blog', topic: 'Seed starting guide' },
    { content_type: 'landing_page', topic: 'Spring planner app' },
    { content_type: 'press_release', topic: 'Splants opens a spring office' },
    { content_type: 'video_script', topic: 'Spring unboxing' },
    { content_type: 'email', topic: 'Spring newsletter' },
  ];
  const ids = [];
  for (const b of briefs) {
    const r = await server.api('POST', '/v1/content/generate', b);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(r.body);
  }
  keys.pieces = ids;
  const events = [];
  for (const [i, p] of ids.entries()) {
    events.push({ event_name: 'impression', content_id: p.id, count: 100 + i * 10 });
    events.push({ event_name: 'click', content_id: p.id, count: 3 + i });
    if (i % 3 === 0) events.push({ event_name: 'conversion', content_id: p.id, count: 1, value: 40 });
  }
  const ev = await server.api('POST', '/v1/analytics/events', events);
  assert.equal(ev.status, 201, JSON.stringify(ev.body));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.close();
});

test('the key is typed once and kept in session storage only', async () => {
  const page = await newPage();
  await page.goto(server.base + '/');
  assert.equal(new URL(page.url()).pathname, '/generate');
  await page.getByText('Enter an API key at the top of the page').waitFor();
  await page.getByLabel('API key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.getByLabel('Topic').waitFor();
  const stored = await page.evaluate(() => [sessionStorage.getItem('splants.apiKey'), localStorage.length, document.cookie]);
  assert.deepEqual(stored, [ADMIN_KEY, 0, '']);
  await finish(page);
});

test('generate a blog post: the quote first, then the copy streams in, then the scores', async () => {
  const page = await newPage();
  await open(page, '/generate');
  await page.getByLabel('Content type').selectOption('blog');
  await page.getByLabel('Topic').fill(TOPIC);
  await page.getByLabel('Keywords').fill('spring marketing, small business');
  await page.getByLabel('Target audience').fill('owners of small shops');
  await page.getByLabel('Tone').selectOption('friendly');
  await page.getByRole('button', { name: 'Check the cost' }).click();
  const quote = page.locator('.quote-figure');
  await quote.waitFor();
  assert.match(await quote.textContent(), /will cost at most \$0\.\d+/);
  const streamsBefore = upstream.seen.streams;
  await page.getByRole('button', { name: 'Generate now' }).click();
  // Partial copy is on screen while the status still says it is being written.
  const text = page.locator('.stream-text');
  await page.waitForFunction(() => (document.querySelector('.stream-text')?.textContent ?? '').length > 20);
  const partial = await text.textContent();
  const status = await page.locator('.output .status').textContent();
  assert.match(status, /^Writing/, `still writing when ${partial.length} characters were shown`);
  await page.locator('.output .status.done').waitFor({ timeout: 30_000 });
  const final = await text.textContent();
  assert.ok(partial.length < final.length, `${partial.length} of ${final.length} characters shown before the end`);
  assert.ok(final.startsWith(partial.trimEnd().slice(0, 10)) || final.includes('Spring'), 'the same copy');
  assert.equal(upstream.seen.streams, streamsBefore + 1, 'one streamed upstream call');
  assert.match(await page.locator('.output .status').textContent(), /Done: \d+ words, \$0\.\d+/);
  assert.ok((await page.locator('.assessment').count()) >= 3, 'assessments as traffic lights');
  assert.ok((await page.locator('.assessment .light-word').first().textContent()).length > 0, 'each light has words');
  await page.getByRole('heading', { name: 'Hashtags' }).waitFor();
  await page.getByRole('heading', { name: 'Platform fit' }).waitFor();
  assert.ok((await page.locator('meter').count()) >= 2, 'quality and SEO scores');
  await axe(page, 'the generate page with a piece');
  await shot(page, 'generate');
  await finish(page);
});

test('generate from a template: a missing variable is shown at its field', async () => {
  const page = await newPage();
  await open(page, '/generate');
  await page.getByLabel('A template').check();
  await page.getByLabel('Template', { exact: true }).selectOption('product_launch');
  await page.getByLabel('Product name').waitFor();
  await page.getByRole('button', { name: 'Generate from the template' }).click();
  await page.locator('[name^="var."][aria-invalid="true"]').first().waitFor();
  const invalid = await page.locator('[aria-invalid="true"]').first().getAttribute('name');
  assert.ok(invalid.startsWith('var.'), invalid);
  await page.getByLabel('Product name').fill('Splants Pro');
  await page.getByLabel('Features').fill('scheduling, analytics');
  await page.getByLabel('Audience').fill('marketers');
  await page.getByLabel('Launch date').fill('March 1st');
  await page.getByRole('button', { name: 'Check the cost' }).click();
  assert.match(await page.locator('.quote-figure').textContent(), /will cost at most \$0\.\d+/);
  await page.getByRole('button', { name: 'Generate from the template' }).click();
  await page.locator('.output .status', { hasText: /^Done: \d+ words/ }).waitFor({ timeout: 30_000 });
  assert.match(await page.locator('.output .facts').textContent(), /Templateproduct_launch \d/);
  await axe(page, 'a piece from a template');
  await finish(page);
});

test('a validation error points at its field', async () => {
  const page = await newPage();
  await open(page, '/generate');
  await page.getByLabel('Topic').fill('A topic');
  await page.getByLabel('Length (words)').fill('3');
  await page.getByRole('button', { name: 'Check the cost' }).click();
  const length = page.getByLabel('Length (words)');
  await page.locator('[name="length"][aria-invalid="true"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'length', 'the field has the focus');
  const msg = await page.locator(`#${await length.getAttribute('id')}-error`).textContent();
  assert.ok(msg.length > 5, msg);
  assert.match(await page.locator('.alert.error').textContent(), /Please check the form \(422\)length/);
  await finish(page);
});

test('a 402 says which budget ran out and when it resets', async () => {
  const page = await newPage();
  await open(page, '/generate', keys['tiny-budget'].secret);
  await page.getByLabel('Topic').fill('Too dear for this key');
  await page.getByRole('button', { name: 'Check the cost' }).click();
  await page.getByRole('button', { name: 'Generate now' }).click();
  const alert = page.locator('.alert.code-budget_exceeded');
  await alert.waitFor();
  const t = await alert.textContent();
  assert.match(t, /Budget exceeded \(402\)/);
  assert.match(t, /The budget of this API key/);
  assert.match(t, /It resets on .+ \(\d+ days? from now\)/);
  await axe(page, 'a 402');
  await alert.scrollIntoViewIfNeeded();
  await shot(page, 'error-402', false);
  await finish(page);
});

test('a 429 says when to try again', async () => {
  const page = await newPage();
  await open(page, '/budget', keys['one-an-hour'].secret);
  await page.locator('.budget-card').first().waitFor();
  await page.getByRole('button', { name: 'Refresh' }).click();
  const alert = page.locator('.alert.code-rate_limited');
  await alert.waitFor();
  const t = await alert.textContent();
  assert.match(t, /Too many requests \(429\)/);
  assert.match(t, /Try again in \d+ seconds, at /);
  await finish(page);
});

test('the library: search, filters, cursor paging, view, delete', async () => {
  const page = await newPage();
  await open(page, '/library');
  await page.locator('.library-table tbody tr').first().waitFor();
  await page.getByLabel('Per page').selectOption('10');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('Page 1: 10 pieces.').waitFor();
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText(/^Page 2: \d+ pieces?\.$/).waitFor();
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.getByText('Page 1: 10 pieces.').waitFor();
  // Filters combine: social posts on LinkedIn.
  await page.getByLabel('Content type').selectOption('social_media');
  await page.getByLabel('Platform').selectOption('linkedin');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('Page 1: 1 piece.').waitFor();
  assert.equal(await page.locator('.library-table tbody th').textContent(), 'Spring sale on LinkedIn');
  // Search text.
  const all = (await server.api('GET', '/v1/content?limit=100')).body.items.length;
  assert.ok(all > 10 && all <= 20, `${all} pieces`);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByText(`Page 1: ${all} pieces.`).waitFor();
  await page.getByLabel('Search').fill('boots');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('Page 1: 1 piece.').waitFor();
  // View, then delete it.
  await page.getByRole('button', { name: 'View' }).click();
  await page.locator('.detail .piece').waitFor();
  assert.equal(await page.locator('.detail h2').first().textContent(), 'Winter boots clearance');
  await axe(page, 'the library with a piece open');
  await shot(page, 'library');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No pieces match.').waitFor();
  const r = await server.api('GET', '/v1/content?q=boots');
  assert.equal(r.body.items.length, 0, 'deleted on the server');
  await finish(page);
});

test('schedule a post, reschedule it, cancel it; see the calendar', async () => {
  const page = await newPage();
  await open(page, '/schedule');
  await page.getByRole('heading', { name: 'Schedule a piece' }).waitFor();
  const opt = await page.locator('select[name="content_id"] option', { hasText: TOPIC }).first().getAttribute('value');
  await page.getByLabel('Piece', { exact: true }).selectOption(opt);
  const at = new Date(Date.now() + 2 * 86_400_000);
  at.setHours(10, 0, 0, 0);
  const local = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  await page.getByLabel('When').fill(local(at));
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText(/^Scheduled 1 post: cms at /).waitFor();
  const card = page.locator('.entry-card.status-scheduled').first();
  await card.waitFor();
  const id = await card.getAttribute('data-id');
  await page.locator('.calendar .entry.status-scheduled').first().waitFor();
  // Reschedule one hour later.
  const later = new Date(at.getTime() + 3_600_000);
  await card.getByLabel('New time').fill(local(later));
  await card.getByRole('button', { name: 'Reschedule' }).click();
  await page.waitForFunction(
    ([sel, t]) => document.querySelector(sel)?.querySelector('input')?.value === t,
    [`.entry-card[data-id="${id}"]`, local(later)],
  );
  let r = await server.api('GET', `/v1/schedule/${id}`);
  assert.equal(new Date(r.body.scheduled_time).getTime(), later.getTime(), 'rescheduled on the server');
  await axe(page, 'the schedule');
  await shot(page, 'schedule');
  page.once('dialog', (d) => d.accept());
  await page.locator(`.entry-card[data-id="${id}"]`).getByRole('button', { name: 'Cancel post' }).click();
  await page.locator(`.entry-card.status-cancelled[data-id="${id}"]`).waitFor();
  r = await server.api('GET', `/v1/schedule/${id}`);
  assert.equal(r.body.status, 'cancelled');
  await page.getByText('What does “unknown” mean?').click();
  await page.getByText(/will not send it again: that could post it twice/).waitFor();
  await finish(page);
});

test('publish now from the library: the worker posts it to the account', async () => {
  const page = await newPage();
  await open(page, '/library');
  await page.getByLabel('Search').fill('Seed starting');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('Page 1: 1 piece.').waitFor();
  await page.getByRole('button', { name: 'View' }).click();
  await page.locator('.detail .publish-form').waitFor();
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText(/^Scheduled 1 post: cms at /).waitFor();
  const piece = keys.pieces.find((p) => p.topic === 'Seed starting guide');
  for (let i = 0; i < 100 && !upstream.seen.hooks.some((h) => h.content_id === piece.id); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(upstream.seen.hooks.some((h) => h.content_id === piece.id), 'the webhook account received the post');
  await page.goto(server.base + '/schedule');
  await page.locator('.entry-card.status-published').first().waitFor();
  assert.match(await page.locator('.entry-card.status-published').first().textContent(), /Published/);
  await finish(page);
});

test('rotate a key: the secret is shown once, the old key is listed as expiring', async () => {
  const page = await newPage();
  await open(page, '/settings');
  const row = page.locator(`tr.key-row[data-id="${keys['rotate-me'].id}"]`);
  await row.waitFor();
  page.once('dialog', (d) => d.accept('24'));
  await row.getByRole('button', { name: 'Rotate' }).click();
  const secret = page.locator('#new-secret');
  await secret.waitFor();
  const value = await secret.inputValue();
  assert.ok(value.length > 20 && value !== keys['rotate-me'].secret, 'a new secret');
  await page.locator(`tr.key-row.status-expiring[data-id="${keys['rotate-me'].id}"]`).waitFor();
  assert.match(await page.locator(`tr.key-row[data-id="${keys['rotate-me'].id}"]`).textContent(), /Expiring until/);
  assert.equal(await page.locator('tr.key-row.status-active', { hasText: 'rotate-me' }).count(), 1, 'the new key is active');
  const ok = await server.api('GET', '/v1/budget', undefined, value);
  assert.equal(ok.status, 200, 'the new secret works');
  // Create a key: its secret is shown once.
  await page.getByLabel('Name', { exact: true }).fill('from-the-dashboard');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText('Key “from-the-dashboard” created').waitFor();
  await axe(page, 'settings with a new secret');
  await shot(page, 'settings');
  await page.reload();
  const created = page.locator('tr.key-row', { hasText: 'from-the-dashboard' });
  await created.waitFor();
  assert.equal(await page.locator('#new-secret').count(), 0, 'the secret is not shown again');
  page.once('dialog', (d) => d.accept());
  await created.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('tr.key-row.status-revoked', { hasText: 'from-the-dashboard' }).waitFor();
  await finish(page);
});

test('analytics: the charts are drawn from the data made here', async () => {
  const page = await newPage();
  await open(page, '/analytics');
  await page.locator('.chart-spend svg').waitFor();
  const ov = (await server.api('GET', '/v1/analytics')).body;
  const en = (await server.api('GET', '/v1/analytics/engagement')).body;
  assert.equal(await page.locator('.chart-spend rect.bar').count(), 30, 'a bar per day');
  assert.equal(await page.locator('.chart-spend .ref-line').count(), 1, 'the budget line');
  const spent = await page.locator('.chart-spend rect.bar title').allTextContents();
  assert.ok(spent.some((t) => /\$0\.\d*[1-9]/.test(t)), `a day with spend: ${spent.slice(-3)}`);
  const platforms = await page.locator('.chart-platforms rect.bar title').allTextContents();
  assert.deepEqual(platforms, ov.top_platforms.map((p) => `${p.platform.charAt(0).toUpperCase()}${p.platform.slice(1).replace(/_/g, ' ')}: ${p.count}`));
  assert.equal(await page.locator('.chart-types rect.bar').count(), ov.by_content_type.length);
  assert.equal(await page.locator('.chart-engagement rect.bar').count(), en.by_platform.length);
  assert.ok(en.by_platform.length >= 3, 'events on several platforms');
  assert.equal(await page.locator('.chart-hours rect.bar').count(), en.best_posting_hours.length);
  await page.locator('.chart-roi rect.bar').first().waitFor();
  const roi = (await server.api('GET', '/v1/analytics/roi?time_period=month')).body;
  assert.match(await page.locator('.roi .kpis').textContent(), new RegExp(`^Pieces${roi.pieces}AI cost`));
  await page.getByLabel('Period').selectOption('year');
  await page.locator('.chart-roi figcaption', { hasText: 'AI cost against a freelancer (Year)' }).waitFor();
  assert.ok((await page.locator('svg[role="img"] > title').count()) >= 6, 'every chart has a title');
  await axe(page, 'analytics');
  await shot(page, 'analytics');
  await finish(page);
});

test('budget: gauges with the alert thresholds and days left', async () => {
  const page = await newPage();
  await open(page, '/budget');
  await page.locator('.budget-card svg.gauge').first().waitFor();
  const t = await page.locator('.budget-card').first().textContent();
  assert.match(t, /Alerts at50 %, 80 %, 95 %, 100 %/);
  assert.match(t, /Days left\d+ \(resets /);
  assert.equal(await page.locator('.budget-card').first().locator('.gauge-tick').count(), 4);
  await axe(page, 'budget');
  await shot(page, 'budget');
  await finish(page);
});

test('axe-core on every page: no serious or critical violation; keyboard reaches the pages', async () => {
  const page = await newPage();
  await open(page, '/generate');
  for (const path of PAGES) {
    await page.goto(server.base + path);
    await page.waitForLoadState('networkidle');
    await axe(page, path);
    await clean(page);
  }
  // The skip link and the navigation are the first stops of the keyboard.
  await page.goto(server.base + '/budget');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the page');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Generate');
  await page.keyboard.press('Enter');
  await page.getByLabel('Topic').waitFor();
  assert.equal(new URL(page.url()).pathname, '/generate');
  await finish(page);
});

test('readable at 360 px wide: no page scrolls sideways', async () => {
  const narrow = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await newPage(narrow);
  await open(page, '/generate');
  for (const path of PAGES) {
    await page.goto(server.base + path);
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width} px wide`);
    await axe(page, `${path} at 360 px`);
  }
  await page.goto(server.base + '/generate');
  await page.getByLabel('Topic').waitFor();
  await shot(page, 'mobile-generate');
  await clean(page);
  await narrow.close();
});
