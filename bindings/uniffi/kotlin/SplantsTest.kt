// The Kotlin binding, tested for real: the uniffi-generated `dev.splants` package over the
// splants_uniffi cdylib, compiled with kotlinc and run on the JVM (JNA). Each test is a suspend
// function awaiting the engine; a paid engine talks to a local OpenAI-format upstream (below)
// that answers the real wire format on 127.0.0.1.
//
// Run by bindings/uniffi/scripts/test.sh; prints "N passed, M failed" and exits non-zero when
// a test failed.

package splantstest

import dev.splants.*
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.*

const val MODEL = "kotlin-test-model"

/** A local OpenAI chat-completions upstream: answers after `delayMs` with `output` tokens. */
class FakeUpstream(private val delayMs: Long = 0) : AutoCloseable {
    val requests = AtomicInteger(0)
    private val server: HttpServer = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 64)
    private val pool = java.util.concurrent.Executors.newFixedThreadPool(8)
    val baseUrl: String

    init {
        server.createContext("/v1/chat/completions") { exchange ->
            exchange.requestBody.readAllBytes()
            requests.incrementAndGet()
            if (delayMs > 0) Thread.sleep(delayMs)
            val body = """{"id":"chatcmpl-kt","object":"chat.completion","model":"$MODEL",""" +
                """"choices":[{"index":0,"message":{"role":"assistant","content":"Spring is here. Plant early, water often, and enjoy the garden."},"finish_reason":"stop"}],""" +
                """"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150}}"""
            val bytes = body.toByteArray()
            exchange.responseHeaders.add("Content-Type", "application/json")
            exchange.sendResponseHeaders(200, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        }
        server.executor = pool
        server.start()
        baseUrl = "http://127.0.0.1:${server.address.port}/v1"
    }

    override fun close() {
        server.stop(0)
        pool.shutdownNow()
    }
}

/** An engine that pays $1 per 1,000 tokens through `upstream`, with a monthly budget. */
suspend fun paidEngine(upstream: FakeUpstream, budget: String, extra: Map<String, String> = emptyMap()): ContentEngine =
    ContentEngine.fromSettings(
        extra + mapOf(
            "SPLANTS_PROVIDER" to "compatible",
            "OPENAI_BASE_URL" to upstream.baseUrl,
            "OPENAI_API_KEY" to "sk-kotlin-test",
            "SPLANTS_MODEL" to MODEL,
            "SPLANTS_PRICES" to """{"$MODEL": {"input": 1000, "output": 1000}}""",
            "SPLANTS_PROVIDER_MAX_ATTEMPTS" to "1",
            "MONTHLY_AI_BUDGET" to budget,
            "DATABASE_URL" to "memory://",
        ),
    )

suspend fun offlineEngine(): ContentEngine =
    ContentEngine.fromSettings(mapOf("SPLANTS_PROVIDER" to "offline", "DATABASE_URL" to "memory://"))

val brief = ContentRequest(
    contentType = ContentType.SOCIAL_MEDIA,
    topic = "Spring garden tips",
    keywords = listOf("garden", "spring"),
    platform = Platform.LINKEDIN,
    tone = Tone.FRIENDLY,
)

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

/** Runs `block` and returns the exception of type `T` it throws, failing when it throws none. */
suspend inline fun <reified T : Throwable> assertThrows(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}

/** Starts a paid generation and cancels its coroutine while the upstream is answering. */
suspend fun cancelWhileAnswering(engine: ContentEngine, upstream: FakeUpstream) = coroutineScope {
    val job = launch { engine.generate(brief) }
    while (upstream.requests.get() == 0) delay(5)
    job.cancelAndJoin()
    check(job.isCancelled) { "not cancelled" }
}

/** The global budget once no call holds anything (waits up to 10 s). */
suspend fun settled(engine: ContentEngine): BudgetStatus {
    var global = engine.budgetStatus().first { it.scope == "global" }
    val deadline = System.nanoTime() + 10_000_000_000
    while ((global.inFlight > 0uL || global.reserved > 0.0) && System.nanoTime() < deadline) {
        delay(20)
        global = engine.budgetStatus().first { it.scope == "global" }
    }
    check(global.inFlight == 0uL && global.reserved == 0.0) { "hold left: $global" }
    return global
}

val tests = linkedMapOf<String, suspend () -> Unit>(
    "generate awaits a scored, stored piece" to {
        val engine = offlineEngine()
        val piece = engine.generate(brief)
        check(piece.content.isNotBlank()) { "empty copy" }
        check(piece.provider == "offline") { "provider ${piece.provider}" }
        check(piece.stored && piece.contentType == ContentType.SOCIAL_MEDIA) { "$piece" }
        check(piece.qualityScore in 0.0..1.0 && piece.seoScore in 0.0..1.0) { "scores $piece" }
        check(piece.request.topic == "Spring garden tips" && piece.request.keywords == listOf("garden", "spring")) {
            "brief ${piece.request}"
        }
    },
    "the library lists, pages, finds and deletes" to {
        val engine = offlineEngine()
        val ids = (1..3).map { engine.generate(brief.copy(topic = "Spring garden tips #$it")).id }
        val first = engine.listContent(ContentQuery(limit = 2u))
        check(first.items.size == 2 && first.nextCursor != null) { "first page $first" }
        val second = engine.listContent(ContentQuery(limit = 2u, cursor = first.nextCursor))
        val listed = (first.items + second.items).map { it.id }
        check(listed.toSet() == ids.toSet()) { "listed $listed, generated $ids" }
        check(engine.getContent(ids[0]).id == ids[0]) { "getContent" }
        engine.deleteContent(ids[0])
        val gone = assertThrows<SplantsException.NotFound> { engine.getContent(ids[0]) }
        check(gone.code == "not_found" && gone.status.toInt() == 404) { "$gone" }
    },
    "a budget too small throws BudgetExceeded before the provider is called" to {
        FakeUpstream().use { upstream ->
            val engine = paidEngine(upstream, budget = "0.001")
            val quote = engine.quote(brief)
            check(quote.estimate > 0.001 && !quote.free) { "quote $quote" }
            val e = assertThrows<SplantsException.BudgetExceeded> { engine.generate(brief) }
            check(e.code == "budget_exceeded" && e.status.toInt() == 402 && !e.retryable) { "$e" }
            check(e.details.contains("\"scope\"") && e.details.contains("global")) { "details ${e.details}" }
            check(upstream.requests.get() == 0) { "the provider was called ${upstream.requests.get()} times" }
            check(engine.listContent().items.isEmpty()) { "something was stored" }
        }
    },
    "a paid generation settles its real cost in the budget" to {
        FakeUpstream().use { upstream ->
            val engine = paidEngine(upstream, budget = "100")
            val piece = engine.generate(brief)
            // 100 prompt + 50 completion tokens at $1,000 per million each: $0.15.
            check(Math.abs(piece.costUsd - 0.15) < 1e-9) { "cost ${piece.costUsd}" }
            check(piece.usage.inputTokens == 100uL && piece.usage.outputTokens == 50uL) { "usage ${piece.usage}" }
            val global = engine.budgetStatus().first { it.scope == "global" }
            check(Math.abs(global.spent - 0.15) < 1e-9 && global.inFlight == 0uL) { "budget $global" }
        }
    },
    "a cancelled coroutine leaves no budget hold behind (complete policy)" to {
        FakeUpstream(delayMs = 400).use { upstream ->
            val engine = paidEngine(upstream, budget = "100")
            cancelWhileAnswering(engine, upstream)
            val global = settled(engine)
            // The upstream answered (and billed) after the caller left: the spend counts it, and
            // the piece is in the library, marked as such.
            check(Math.abs(global.spent - 0.15) < 1e-9) { "spent ${global.spent}, billed 0.15" }
            val left = engine.listContent(ContentQuery(callerLeft = true)).items
            check(left.size == 1 && left[0].callerLeft) { "caller-left pieces: $left" }
        }
    },
    "a cancelled coroutine drops the call in Rust (abort policy)" to {
        FakeUpstream(delayMs = 400).use { upstream ->
            val engine = paidEngine(upstream, budget = "100", mapOf("SPLANTS_ON_CALLER_LEFT" to "abort"))
            val estimate = engine.quote(brief).estimate
            cancelWhileAnswering(engine, upstream)
            val global = settled(engine)
            // Aborted in flight: nobody gets the piece, and the hold settles at the worst case
            // (the provider may bill it), never at less than it billed.
            check(Math.abs(global.spent - estimate) < 1e-9 && global.spent >= 0.15) {
                "spent ${global.spent}, estimate $estimate"
            }
            check(engine.listContent().items.isEmpty()) { "an aborted call was stored" }
        }
    },
    "bad input is a typed exception naming the field" to {
        val engine = offlineEngine()
        val e = assertThrows<SplantsException.ValidationException> { engine.generate(brief.copy(topic = "")) }
        check(e.code == "validation_error" && e.status.toInt() == 422 && e.details.contains("\"topic\"")) { "$e" }
        val config = assertThrows<SplantsException.ConfigException> {
            ContentEngine.fromSettings(mapOf("MONTHLY_AI_BUDGET" to "-1", "DATABASE_URL" to "memory://"))
        }
        check(config.details.contains("MONTHLY_AI_BUDGET")) { "config ${config.details}" }
        val ctx = assertThrows<SplantsException.ValidationException> {
            engine.generate(brief, RequestContext(keyBudget = -1.0))
        }
        check(ctx.details.contains("key_budget")) { "context ${ctx.details}" }
    },
    "streaming gives the text as it is written, then the stored piece" to {
        val engine = offlineEngine()
        val stream = engine.generateStream(brief.copy(platform = Platform.TWITTER))
        val text = StringBuilder()
        var done: GeneratedContent? = null
        var deltas = 0
        while (true) {
            when (val event = stream.next() ?: break) {
                is StreamEvent.Delta -> { text.append(event.text); deltas++ }
                is StreamEvent.Done -> done = event.content
            }
        }
        check(deltas >= 1 && text.isNotBlank()) { "deltas $deltas" }
        check(done != null && done!!.stored) { "done $done" }
        check(engine.getContent(done!!.id).id == done!!.id) { "not in the library" }
    },
    "templates, keys, analytics and health" to {
        val engine = offlineEngine()
        check(engine.listTemplates().any { it.name == "product_launch" }) { "templates" }
        val launch = engine.generateFromTemplate(
            "product_launch",
            mapOf(
                "product_name" to TemplateValue.Text("Splants Pro"),
                "features" to TemplateValue.Text("scheduling, analytics"),
                "audience" to TemplateValue.Text("marketing teams"),
                "launch_date" to TemplateValue.Text("March 1st"),
            ),
        )
        check(launch.template?.name == "product_launch") { "template ${launch.template}" }
        val issued = engine.createKey(NewKey(name = "kotlin"))
        val verified = engine.verifyApiKey(issued.secret)
        check(verified.key.id == issued.key.id && verified.context.keyId == issued.key.id) { "verified $verified" }
        engine.revokeKey(issued.key.id)
        assertThrows<SplantsException.Unauthorized> { engine.verifyApiKey(issued.secret) }
        val overview = engine.analyticsOverview()
        check(overview.totalContent == 1uL) { "overview $overview" }
        val health = engine.health()
        check(health.status == "healthy" && health.components.isNotEmpty()) { "health $health" }
        val bad = assertThrows<SplantsException.ValidationException> { engine.shutdown(-1.0) }
        check(bad.details.contains("grace_seconds")) { "grace ${bad.details}" }
        val report = engine.shutdown(1.0)
        check(report.aborted == 0uL) { "shutdown $report" }
    },
)

fun main(): Unit = runBlocking {
    var passed = 0
    var failed = 0
    for ((name, test) in tests) {
        try {
            withTimeout(60_000) { test() }
            passed++
            println("PASS $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace()
        }
    }
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
