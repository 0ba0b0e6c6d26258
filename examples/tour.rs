//! A short tour of the API (the README shows the same code): `cargo run --example tour`.
#![allow(clippy::print_stdout)]

use splants::analytics::RoiPeriod;
use splants::template::TemplateOverrides;
use splants::{ContentEngine, ContentRequest, ContentType, Platform, RequestContext, Tone};

#[tokio::main]
async fn main() -> splants::Result<()> {
    // From the environment (OPENAI_API_KEY, MONTHLY_AI_BUDGET, DATABASE_URL, … and a .env file);
    // or explicitly: ContentEngine::builder().config(config).provider(p).stores(s).build().await?
    let engine = ContentEngine::builder().in_memory().build().await?;

    let brief = ContentRequest::new(ContentType::SocialMedia, "Spring sale")
        .keywords(["discount", "spring"])
        .tone(Tone::Exciting)
        .platform(Platform::Twitter)
        .length(120)
        .call_to_action("Shop now");
    let quote = engine.quote(&brief)?; // the worst-case cost, no call made
    let piece = engine.generate(brief, &RequestContext::anonymous()).await?;
    println!(
        "{} (quality {:.2}, SEO {:.2}, cost {}, quote {})",
        piece.content, piece.quality_score, piece.seo_score, piece.cost_usd, quote.estimate
    );
    for post in &piece.metadata.thread {
        println!("  {post}"); // a Twitter thread of numbered posts of at most 280 characters
    }

    // A caller with an API key: its tier's rate limit and its own budget apply.
    let ctx = RequestContext::for_key("key_123").tier("premium");
    let mut vars = serde_json::Map::new();
    for (name, value) in [
        ("product_name", "Splants Pro"),
        ("features", "scheduling, analytics"),
        ("audience", "marketing teams"),
        ("launch_date", "March 1st"),
    ] {
        vars.insert(name.into(), value.into());
    }
    let launch = engine.generate_from_template("product_launch", &vars, &TemplateOverrides::default(), &ctx).await?;
    println!("\n{}", launch.content);

    let batch = engine
        .generate_batch(
            vec![ContentRequest::new(ContentType::Email, "Welcome"), ContentRequest::new(ContentType::AdCopy, "Boots")],
            &ctx,
        )
        .await?;
    println!("\nbatch: {} of {} generated", batch.successful, batch.total);
    let library = engine.list_content(Default::default(), &ctx).await?;
    let budget = engine.budget_status(&ctx).await?;
    let roi = engine.roi(RoiPeriod::Month, &ctx).await?;
    println!(
        "library: {} pieces; spent {} this period; {:.1} writer hours saved",
        library.items.len(),
        budget[0].spent,
        roi.hours_saved
    );
    Ok(())
}
