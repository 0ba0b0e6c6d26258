//! One writer per content type: a head, an elastic body and a tail written first.
//!
//! In compact mode (the brief's target is too small for the fixed parts) the optional parts
//! are left out: opener (when a keyword sentence stands in), closer, audience line, visuals,
//! the "About" and media-contact lines of a press release, and all but one product bullet.

use super::draft::{
    Body, Ctx, SALT_CLOSER, SALT_GREETING, SALT_HEADINGS, SALT_VISUAL, Writer, body, decapitalize, fill,
    push_capitalized, sections_for,
};
use super::phrases::{BENEFITS, KEYWORD_HEADINGS, THEMES};
use crate::content::ContentType;

const VISUALS: [&str; 4] = [
    "Close-up of hands at work on a laptop.",
    "A small team talks around a table.",
    "Text on screen shows the key point.",
    "Slow pan across a busy workspace.",
];

/// Writes the piece for the brief's content type; returns it with its word count.
pub(super) fn build(ctx: &Ctx<'_>) -> (String, usize) {
    match ctx.req.content_type {
        ContentType::Blog => blog(ctx),
        ContentType::SocialMedia => social(ctx),
        ContentType::Email => email(ctx),
        ContentType::AdCopy => ad_copy(ctx),
        ContentType::ProductDescription => product(ctx),
        ContentType::LandingPage => landing(ctx),
        ContentType::PressRelease => press_release(ctx),
        ContentType::VideoScript => video(ctx),
    }
}

/// Opener, the sentence naming every keyword, and the audience line.
fn intro(w: &mut Writer, ctx: &Ctx<'_>) {
    let coverage = ctx.coverage();
    if !ctx.compact || coverage.is_none() {
        w.sentence(ctx.opener(), ctx, "");
    }
    if let Some(c) = coverage {
        w.sentence(c, ctx, "");
    }
    if let Some(a) = ctx.req.target_audience.as_deref().map(str::trim).filter(|a| !a.is_empty() && !ctx.compact) {
        w.text(&format!("It is written for {}.", decapitalize(a)));
    }
}

fn tags(w: &mut Writer, ctx: &Ctx<'_>) {
    if let Some(tags) = ctx.hashtags() {
        w.blank();
        w.line(&tags);
    }
}

fn closing(w: &mut Writer, ctx: &Ctx<'_>) {
    if !ctx.compact {
        w.sentence(ctx.closer(), ctx, "");
    }
    w.text(&ctx.cta());
}

fn capacity(ctx: &Ctx<'_>) -> usize {
    ctx.target.saturating_mul(7).min(1 << 20) + 256
}

/// Writes head, body (to the words left by head and tail) and tail.
fn assemble(ctx: &Ctx<'_>, mut head: Writer, tail: Writer, layout: &Body<'_>) -> (String, usize) {
    let budget = ctx.target.saturating_sub(head.words + tail.words);
    head.blank();
    body(&mut head, ctx, budget, layout);
    head.append(tail);
    head.finish()
}

fn plain_body(per_para: usize) -> Body<'static> {
    Body { sections: 1, per_para, start: &|_, _, _| {} }
}

fn section_heading(ctx: &Ctx<'_>, w: &mut Writer, s: usize, focus: Option<&str>) {
    let mut h = String::with_capacity(64);
    match focus {
        Some(k) => fill(&mut h, KEYWORD_HEADINGS[(ctx.pick(SALT_HEADINGS, 4) + s) % 4], ctx, k),
        None => h.push_str(THEMES[(ctx.pick(SALT_HEADINGS, THEMES.len()) + s) % THEMES.len()]),
    }
    let mut cap = String::with_capacity(h.len());
    push_capitalized(&mut cap, &h);
    w.heading("## ", &cap);
}

fn titled(ctx: &Ctx<'_>, title: &str) -> Writer {
    let mut head = Writer::new(capacity(ctx));
    head.line(&format!("# {title}"));
    head.blank();
    head
}

fn blog(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(256);
    if !ctx.compact {
        tail.heading("## ", ["Key takeaways", "Final thoughts", "Next steps"][ctx.pick(SALT_CLOSER, 3)]);
    }
    closing(&mut tail, ctx);
    tags(&mut tail, ctx);
    let mut head = titled(ctx, &ctx.title());
    intro(&mut head, ctx);
    let budget = ctx.target.saturating_sub(head.words + tail.words);
    let start = |w: &mut Writer, s: usize, focus: Option<&str>| section_heading(ctx, w, s, focus);
    let layout = Body { sections: sections_for(budget, 110, 1, 12), per_para: 3, start: &start };
    assemble(ctx, head, tail, &layout)
}

fn landing(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(512);
    tail.heading("## ", "How it works");
    for (i, step) in ["Set one clear goal.", "Try it with a small test.", "Review the results and grow what works."]
        .iter()
        .enumerate()
    {
        tail.line(&format!("{}. {step}", i + 1));
    }
    tail.heading("## ", "Get started");
    closing(&mut tail, ctx);
    tags(&mut tail, ctx);
    let mut head = titled(ctx, &ctx.title());
    intro(&mut head, ctx);
    let budget = ctx.target.saturating_sub(head.words + tail.words);
    let start = |w: &mut Writer, s: usize, focus: Option<&str>| section_heading(ctx, w, s, focus);
    let layout = Body { sections: sections_for(budget, 120, 2, 10), per_para: 3, start: &start };
    assemble(ctx, head, tail, &layout)
}

fn email(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(256);
    closing(&mut tail, ctx);
    tail.blank();
    tail.line(ctx.voice.sign_offs[ctx.pick(SALT_GREETING, 3)]);
    tail.line("The team");
    tags(&mut tail, ctx);
    let mut head = Writer::new(capacity(ctx));
    head.line(&format!("Subject: {}", ctx.title()));
    head.blank();
    head.line(ctx.voice.greetings[ctx.pick(SALT_GREETING, 3)]);
    head.blank();
    intro(&mut head, ctx);
    assemble(ctx, head, tail, &plain_body(3))
}

fn social(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(256);
    tail.text(&ctx.cta());
    tags(&mut tail, ctx);
    let mut head = Writer::new(capacity(ctx));
    let coverage = ctx.coverage();
    if !ctx.compact || coverage.is_none() {
        head.sentence(ctx.opener(), ctx, "");
        head.blank();
    }
    if let Some(c) = coverage {
        head.sentence(c, ctx, "");
    }
    assemble(ctx, head, tail, &plain_body(2))
}

fn ad_copy(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(256);
    tail.text(&ctx.cta());
    tags(&mut tail, ctx);
    let mut head = Writer::new(capacity(ctx));
    head.line(&ctx.title());
    head.blank();
    if let Some(c) = ctx.coverage() {
        head.sentence(c, ctx, "");
    }
    assemble(ctx, head, tail, &plain_body(3))
}

fn product(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(256);
    tail.text(&ctx.cta());
    tags(&mut tail, ctx);
    let mut head = titled(ctx, ctx.topic);
    intro(&mut head, ctx);
    head.blank();
    if !ctx.compact {
        head.line("Key benefits:");
    }
    let bullets = if ctx.compact { 1 } else { ctx.focus.len().clamp(3, 6) };
    for i in 0..bullets {
        let k = ctx.focus.get(i % ctx.focus.len().max(1)).map_or(ctx.topic, String::as_str);
        let mut line = String::from("- ");
        fill(&mut line, BENEFITS[i % BENEFITS.len()], ctx, k);
        head.line(&line);
    }
    assemble(ctx, head, tail, &plain_body(3))
}

fn press_release(ctx: &Ctx<'_>) -> (String, usize) {
    let mut tail = Writer::new(512);
    if !ctx.compact {
        tail.heading("## ", "About [Company]");
        tail.text("[Company] helps its customers do more with less. Learn more at [website].");
        tail.blank();
    }
    tail.text(&ctx.cta());
    if !ctx.compact {
        tail.text("Media contact: [Name], [email], [phone].");
    }
    tags(&mut tail, ctx);
    tail.blank();
    tail.line("###");
    let mut head = Writer::new(capacity(ctx));
    head.line("FOR IMMEDIATE RELEASE");
    head.blank();
    head.line(&format!("# {}", ctx.topic));
    head.blank();
    head.text("[City], [Date] —");
    head.sentence("[Company] today shared news about {t}.", ctx, "");
    if !ctx.keywords.is_empty() {
        head.sentence("The announcement covers {list}.", ctx, "");
    }
    let quote = |w: &mut Writer, s: usize, _: Option<&str>| {
        if s == 1 {
            w.blank();
            w.sentence(
                "“We are proud of this work on {t}, and we believe it will make a real difference,” said \
                 [Spokesperson Name], [Title] at [Company].",
                ctx,
                "",
            );
            w.blank();
        }
    };
    assemble(ctx, head, tail, &Body { sections: 2, per_para: 3, start: &quote })
}

fn visual(w: &mut Writer, ctx: &Ctx<'_>, shift: usize) {
    if !ctx.compact {
        w.line(&format!("VISUAL: {}", VISUALS[(ctx.pick(SALT_VISUAL, VISUALS.len()) + shift) % VISUALS.len()]));
    }
}

fn video(ctx: &Ctx<'_>) -> (String, usize) {
    let cta = ctx.cta();
    let mut tail = Writer::new(512);
    tail.line("[FINAL SCENE — CALL TO ACTION]");
    if !ctx.compact {
        tail.line("VISUAL: The logo and the call to action on screen.");
    }
    tail.label("VOICEOVER:");
    closing(&mut tail, ctx);
    if !ctx.compact {
        tail.line(&format!("ON SCREEN: {cta}"));
    }
    tags(&mut tail, ctx);
    let mut head = titled(ctx, &ctx.title());
    head.line("[SCENE 1 — HOOK]");
    visual(&mut head, ctx, 0);
    head.label("VOICEOVER:");
    intro(&mut head, ctx);
    let budget = ctx.target.saturating_sub(head.words + tail.words);
    let scene = |w: &mut Writer, s: usize, focus: Option<&str>| {
        w.blank();
        let name = focus.map_or_else(|| THEMES[s % THEMES.len()].to_uppercase(), str::to_uppercase);
        w.line(&format!("[SCENE {} — {name}]", s + 2));
        visual(w, ctx, s + 1);
        w.label("VOICEOVER:");
    };
    let layout = Body { sections: sections_for(budget, 60, 1, 10), per_para: usize::MAX, start: &scene };
    assemble(ctx, head, tail, &layout)
}
