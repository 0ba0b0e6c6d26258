//! The main job in one run: a brief in, scored copy out, stored in the library, within budget.
//!
//! `cargo run --example quickstart` — no keys needed. Without `OPENAI_API_KEY` /
//! `ANTHROPIC_API_KEY` / `OPENAI_BASE_URL` the offline drafter writes (a deterministic template
//! draft, *not* AI) and the library is the SQLite file `splants.db` (see `DATABASE_URL`).
#![allow(clippy::print_stdout)]

use futures::StreamExt;
use splants::engine::GenerationEvent;
use splants::{ContentEngine, ContentRequest, ContentType, Platform, RequestContext, Tone};
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = ContentEngine::from_env().await?;
    let provider = engine.provider();
    println!("splants quickstart — provider `{}`, model `{}`", provider.name(), provider.default_model());
    if provider.name() == "offline" {
        println!(
            "\nNOTE: no AI provider is configured, so the offline drafter writes this copy. It is a\n\
             deterministic template draft, not AI. To use a real model set OPENAI_API_KEY or\n\
             ANTHROPIC_API_KEY, or OPENAI_BASE_URL (+ SPLANTS_MODEL) for an OpenAI-compatible\n\
             server such as Ollama (http://localhost:11434/v1) or vLLM.\n"
        );
    }

    let brief = ContentRequest::new(ContentType::Blog, "10 AI Marketing Tips for Small Business Owners")
        .keywords(["AI marketing", "small business", "automation", "efficiency"])
        .tone(Tone::Professional)
        .target_audience("Small business owners with 1-10 employees")
        .platform(Platform::Blog)
        .length(600)
        .call_to_action("Start your free trial");
    let quote = engine.quote(&brief)?;
    println!("Worst-case cost of this brief: {} (reserved before the call)", quote.estimate);

    let ctx = RequestContext::anonymous();
    let piece = engine.generate(brief, &ctx).await?;
    println!("\n{}\n", "-".repeat(72));
    println!("{}", piece.content);
    println!("{}\n", "-".repeat(72));
    println!("id              {}", piece.id);
    println!("quality / SEO   {:.2} / {:.2}", piece.quality_score, piece.seo_score);
    println!("words / reading {} words, {} min", piece.metadata.word_count, piece.metadata.reading_time);
    println!("keywords used   {}", piece.metadata.keywords_used.join(", "));
    println!("readability     Flesch {:.1}", piece.metadata.readability.flesch_reading_ease);
    println!(
        "cost            {} ({} in / {} out tokens)",
        piece.cost_usd, piece.usage.input_tokens, piece.usage.output_tokens
    );

    // The same pipeline, streamed: the copy appears as it is written, then the finished piece.
    println!("\nStreaming a Twitter post as it is written:\n");
    let mut stream = engine
        .generate_stream(
            ContentRequest::new(ContentType::SocialMedia, "Quick marketing tip of the day")
                .keywords(["marketing", "growth"])
                .tone(Tone::Casual)
                .platform(Platform::Twitter)
                .length(120),
            &ctx,
        )
        .await?;
    let mut social = None;
    while let Some(event) = stream.next().await {
        match event? {
            GenerationEvent::Delta(text) => {
                print!("{text}");
                std::io::stdout().flush()?;
            }
            GenerationEvent::Done(piece) => social = Some(piece),
        }
    }
    let social = social.ok_or("the stream ended without a piece")?;
    println!();
    println!("\nA Twitter thread ({} posts):", social.metadata.thread.len().max(1));
    if social.metadata.thread.is_empty() {
        println!("  {}", social.content);
    }
    for post in &social.metadata.thread {
        println!("  {post}");
    }

    for status in engine.budget_status(&ctx).await? {
        println!(
            "\nBudget `{}`: spent {} of {} this period (ends {}, {} days left)",
            status.scope,
            status.spent,
            status.limit.map(|l| l.to_string()).unwrap_or_else(|| "unlimited".into()),
            status.period_end.format("%Y-%m-%d"),
            status.remaining_days
        );
    }
    let library = engine.list_content(Default::default(), &ctx).await?;
    println!("Library ({} backend): {} pieces on the first page", engine.stores().backend.name(), library.items.len());
    Ok(())
}
