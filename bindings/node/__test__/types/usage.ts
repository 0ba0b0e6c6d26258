// Compiled (never run) by `npm run check-types`: the declarations must accept real usage and
// reject mistakes (each `@ts-expect-error` fails the check if the line stops being an error).
import { ContentEngine } from '../../index.js'
import type {
  ApiKeyInfo,
  ComponentStatus,
  Health,
  ShutdownReport,
  IssuedKey,
  RotatedKey,
  BatchResult,
  BudgetStatus,
  ContentPage,
  ContentRequest,
  ErrorCode,
  GeneratedContent,
  PlatformCount,
  Quote,
  RequestContext,
  StoredRequest,
  StreamEvent,
  SplantsError,
  Template,
  VerifiedKey,
} from '../../index.js'

export async function usage(): Promise<void> {
  const engine = new ContentEngine({ provider: 'offline', databaseUrl: 'memory://', monthlyBudget: 25, rateLimits: { free: 5 } })
  const ready: ContentEngine = await ContentEngine.create({ monthlyBudget: null })
  const fromEnv: ContentEngine = await ContentEngine.fromEnv()
  void ready
  void fromEnv

  const ctx: RequestContext = { keyId: 'k1', tier: 'free', keyBudget: 2 }
  const piece: GeneratedContent = await engine.generate({ contentType: 'blog', topic: 'AI tips', keywords: ['ai'] }, ctx)
  const score: number = piece.quality_score
  let streamed = ''
  for await (const event of engine.generateStream({ contentType: 'blog', topic: 'AI tips' }, ctx)) {
    if (event.kind === 'delta') streamed += event.text
    else {
      const done: GeneratedContent = event.content
      const estimated: boolean = done.usage.estimated
      void estimated
      // @ts-expect-error a done event has no text
      void event.text
    }
  }
  const step: IteratorResult<StreamEvent, undefined> = await engine.generateStream({ contentType: 'blog', topic: 'x' }).next()
  void step
  void streamed
  const words: number = piece.metadata.word_count
  void score
  void words

  const batch: BatchResult = await engine.generateBatch([{ contentType: 'email', topic: 'Sale', tone: 'friendly' }])
  const firstStatus: 'success' | 'error' = batch.results[0].status
  void firstStatus

  const fromTemplate: GeneratedContent = await engine.generateFromTemplate(
    'product_launch',
    { product_name: 'X', features: 'y', audience: 'z', launch_date: 'soon' },
    { platform: 'linkedin' },
  )
  void fromTemplate

  const quote: Quote = await engine.quote({ contentType: 'ad_copy', topic: 'Shoes' })
  const estimate: number = quote.estimate
  void estimate

  const page: ContentPage = await engine.listContent({ contentType: 'blog', limit: 10 })
  const leftBehind: ContentPage = await engine.listContent({ callerLeft: true })
  const left: boolean = leftBehind.items.every((p) => p.caller_left)
  void left
  const next: string | null = page.next_cursor
  void next
  const again: GeneratedContent = await engine.getContent(piece.id)
  void again
  const deleted: void = await engine.deleteContent(piece.id)
  void deleted

  const stored: number = await engine.recordEvents([{ eventName: 'click', contentId: piece.id }])
  void stored
  const overview = await engine.analyticsOverview({ since: '2026-01-01T00:00:00Z' })
  const total: number = overview.total_content
  void total
  const engagement = await engine.engagement({ platform: 'twitter' })
  const rate: number = engagement.engagement_rate
  void rate
  const roi = await engine.roi('quarter')
  const ratio: number | null = roi.roi
  void ratio

  const budgets: BudgetStatus[] = await engine.budgetStatus(ctx)
  const limit: number | null = budgets[0].limit
  void limit

  const templates: Template[] = await engine.listTemplates()
  const one: Template = await engine.getTemplate(templates[0].name)
  void one
  await engine.registerTemplate({ name: 'mine', version: '1.0.0', contentType: 'email', topic: 'T', prompt: 'P' })

  const verified: VerifiedKey = await engine.verifyApiKey('secret')
  await engine.generate({ contentType: 'blog', topic: 'x' }, verified.context)

  // Declared from the core's shapes (these failed to type-check against the hand-written header).
  const keyQuota: RequestContext = { keyId: 'k2', quota: [100, 3600], tenant: 'acme', tenantBudget: 5 }
  const hourly: RequestContext = { keyId: 'k3', rateLimitPerHour: 5 }
  const ownQuota: [limit: number, periodSeconds: number] | undefined = verified.context.quota
  void hourly
  void ownQuota
  const acme: ContentPage = await engine.listContent({ owner: 'acme', callerLeft: false }, keyQuota)
  const top: PlatformCount[] = overview.top_platforms
  const dayCost: number = overview.cost_per_day[0].cost
  const hourRate: number = engagement.best_posting_hours[0].engagement_rate
  const clicks: number = engagement.by_platform[0].clicks
  const echoed: StoredRequest = piece.request
  const brief: ContentRequest = { contentType: echoed.content_type, topic: echoed.topic, seoOptimize: echoed.seo_optimize }
  const keyRate: number | null = verified.key.rate_limit_per_hour
  void acme
  void top
  void dayCost
  void hourRate
  void clicks
  void brief
  void keyRate

  try {
    await engine.generate({ contentType: 'blog', topic: '' })
  } catch (err) {
    const e = err as SplantsError
    const code: ErrorCode = e.code
    const status: number = e.status
    if (code === 'budget_exceeded') console.log(e.details.remaining_days, status)
  }

  const issued: IssuedKey = await engine.createKey({ name: 'ci', tier: 'standard', rateLimitPerHour: 10 })
  const secret: string = issued.secret
  const keys: ApiKeyInfo[] = await engine.listKeys()
  const rotated: RotatedKey = await engine.rotateKey(issued.id, 2)
  const old: string = rotated.old_key_expires
  await engine.revokeKey(rotated.new_key.id)
  const health: Health = await engine.health()
  const db: ComponentStatus = health.components.database.status
  console.log(secret, keys.length, old, db, health.system.uptime_s)
  const report: ShutdownReport = await engine.shutdown(10)
  const stopped: number = report.aborted + report.unpublished + (await engine.shutdown()).completed
  console.log(stopped)
  // @ts-expect-error: seconds are a number
  await engine.shutdown('10')
  // @ts-expect-error: a key needs a name
  await engine.createKey({ tier: 'standard' })
  // @ts-expect-error: not a role
  await engine.createKey({ name: 'ci', role: 'root' })

  // @ts-expect-error: not a content type
  await engine.generate({ contentType: 'poem', topic: 'x' })
  // @ts-expect-error: topic is required
  await engine.generate({ contentType: 'blog' })
  // @ts-expect-error: not an option
  new ContentEngine({ monthlyBudjet: 5 })
  // @ts-expect-error: not a provider
  new ContentEngine({ provider: 'gemini' })
  // @ts-expect-error: not an ROI period
  await engine.roi('decade')
  // @ts-expect-error: results are snake_case, like the HTTP API
  void piece.qualityScore
  // @ts-expect-error: not an error code
  const wrong: ErrorCode = 'oops'
  void wrong
  // @ts-expect-error: a quota is [limit, periodSeconds]
  await engine.budgetStatus({ keyId: 'k', quota: [100] })
  // @ts-expect-error: the overview has no platform filter (engagement has)
  await engine.analyticsOverview({ platform: 'twitter' })
  // @ts-expect-error: arguments are camelCase in TypeScript
  await engine.listContent({ min_quality: 0.5 })
}
