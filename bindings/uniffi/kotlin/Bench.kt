// Per-call cost of `engine.generate(...)` seen from Kotlin: the brief, provider and store of
// bindings/node/bench/overhead.mjs (offline drafter, memory://, a new topic each call), N
// sequential awaits from one coroutine. The binding's cost is this median minus the Rust one
// (`cargo bench -p splants-node --bench overhead`), run beside it by `make bench-bindings`.
//
//   bindings/uniffi/scripts/test.sh bench [N]
package bench

import dev.splants.*
import kotlinx.coroutines.runBlocking

suspend fun time(label: String, n: Int, call: suspend (Int) -> Unit) {
    repeat(minOf(500, n)) { call(it) }
    val us = DoubleArray(n)
    for (i in 0 until n) {
        val t0 = System.nanoTime()
        call(i)
        us[i] = (System.nanoTime() - t0) / 1000.0
    }
    us.sort()
    val pct = { p: Double -> us[minOf(n - 1, (p * n).toInt())] }
    println("%-28s n=%d  mean %.1f µs  median %.1f µs  p90 %.1f µs  p99 %.1f µs  min %.1f µs".format(
        label, n, us.average(), pct(0.5), pct(0.9), pct(0.99), us[0]))
}

fun main(args: Array<String>): Unit = runBlocking {
    val n = args.firstOrNull()?.toIntOrNull() ?: 5000
    val engine = ContentEngine.fromSettings(mapOf("SPLANTS_PROVIDER" to "offline", "DATABASE_URL" to "memory://"))
    val brief = ContentRequest(
        contentType = ContentType.SOCIAL_MEDIA,
        topic = "Three ways to keep an AI budget in check",
        keywords = listOf("AI budget", "marketing"),
        platform = Platform.LINKEDIN,
        tone = Tone.FRIENDLY,
    )
    println("kotlin ${KotlinVersion.CURRENT}, JVM ${System.getProperty("java.version")}, splants_uniffi, offline provider, memory://")
    time("generate (offline, memory)", n) { engine.generate(brief.copy(topic = "${brief.topic} #$it")) }
    time("budgetStatus (floor)", n) { engine.budgetStatus() }
}
