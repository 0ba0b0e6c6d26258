// docs/kotlin.md's example, compiled and run by bindings/uniffi/scripts/test.sh: the offline
// drafter (no key, not AI) writes a LinkedIn post into an in-memory library.
package example

import dev.splants.*
import kotlinx.coroutines.runBlocking

fun main(): Unit = runBlocking {
    val engine = ContentEngine.fromSettings(mapOf("SPLANTS_PROVIDER" to "offline", "DATABASE_URL" to "memory://"))
    val brief = ContentRequest(
        contentType = ContentType.SOCIAL_MEDIA,
        topic = "Three ways to keep an AI budget in check",
        keywords = listOf("AI budget", "marketing"),
        platform = Platform.LINKEDIN,
        tone = Tone.FRIENDLY,
    )
    println("worst case: $${engine.quote(brief).estimate}")
    try {
        val piece = engine.generate(brief)
        println("${piece.content}\n(quality %.2f, SEO %.2f, cost $%.4f, %s)".format(
            piece.qualityScore, piece.seoScore, piece.costUsd, piece.metadata.hashtags.joinToString(" ")))
    } catch (e: SplantsException.BudgetExceeded) {
        println("over budget: ${e.reason} ${e.details}")
    }
    println("library: ${engine.listContent().items.size} piece(s)")
    engine.shutdown(5.0)
}
