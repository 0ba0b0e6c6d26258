//! Tests of `analyze` as a whole: metadata, exact component values and score ordering.

use super::*;
use crate::content::{Platform, Tone};

const GOOD_BLOG: &str = "# AI Marketing Tips for Busy Teams

AI is changing how small teams plan their marketing. You do not need a big budget to start. \
You need a clear goal, a few good tools and the habit of testing. This guide shows where \
automation saves the most time and where a human touch still wins.

## Start with one clear goal

Pick one number that matters, such as leads, sales or sign-ups. Write it down and share it \
with the team. A clear goal keeps every test honest. It also tells you which tools to ignore. \
Many teams buy software first and ask questions later. Turn that order around and you will \
waste less money.

## Let AI do the first draft

Writing takes time, and most of it goes into the first rough draft. AI tools are good at that \
part. Give them your topic, your audience and a few key points. Then edit the result in your \
own voice. Keep facts, prices and names under human review. The tool saves hours, but you own \
the message.

## Use automation for the boring work

Good automation handles the tasks nobody enjoys. Think of sending welcome emails, tagging new \
leads or posting at the best hour. Set each rule once and check it every month. Small wins add \
up fast. One saved hour a day is more than five weeks a year.

## Measure what your marketing does

Data beats guesses. Track clicks, replies and sales for each campaign. Compare one change at a \
time, so you know what made the difference. When a test wins, make it the new default. When it \
loses, write down what you learned and move on.

## Keep people at the center

Customers can tell when a message feels cold. Use your tools to free up time, then spend that \
time talking to real people. Answer questions, ask for feedback and share stories from your \
customers. Trust grows from these small moments.

## Common mistakes to avoid

Do not automate a process you do not understand yet. Do not publish a draft without reading it. \
Do not chase every new app that appears in your feed. Pick a small stack, learn it well and \
improve it step by step.

## Your next step

You now have a simple plan. Choose one goal, let AI handle the first draft and hand the dull \
tasks to automation. Review the numbers each week and keep what works. Marketing gets easier \
when each step has a clear job.

Want more practical guides like this one? Subscribe to our newsletter and get one short, useful \
tip every week. Start your free trial today and see how much time your team can save.
";

fn blog_request() -> ContentRequest {
    ContentRequest::new(ContentType::Blog, "AI Marketing Tips")
        .keywords(["AI", "marketing", "automation"])
        .tone(Tone::Professional)
        .length(500)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn light(a: &Analysis, id: &str) -> Option<Light> {
    a.metadata.assessments.iter().find(|x| x.id == id).map(|x| x.light)
}

const ORANGE: f64 = 2.0 / 3.0;
const RED: f64 = 1.0 / 3.0;

#[test]
fn good_blog_meets_the_original_apps_thresholds() {
    let a = analyze(GOOD_BLOG, &blog_request());
    let m = &a.metadata;
    assert!((400..=600).contains(&m.word_count), "{}", m.word_count);
    assert!(a.quality_score >= 0.7, "quality {} {:?}", a.quality_score, m.quality_breakdown);
    assert!(a.seo_score >= 0.5, "seo {} {:?}", a.seo_score, m.seo_breakdown);
    assert_eq!(m.keywords_used, vec!["AI", "marketing", "automation"]);
    assert!(m.keywords_missing.is_empty());
    assert_eq!(m.title.as_deref(), Some("AI Marketing Tips for Busy Teams"));
    assert!(m.has_call_to_action);
    assert_eq!(m.reading_time, reading_time_minutes(m.word_count));
    assert_eq!(m.platform_optimized, "blog");
    assert!(m.fits_platform && m.thread.is_empty() && m.hashtags.is_empty() && m.notice.is_none());
    let meta = m.meta_description.as_deref().unwrap_or_default();
    assert!(meta.starts_with("AI is changing how small teams") && meta.chars().count() <= 155, "{meta}");
    assert!(!meta.ends_with(' '));
}

#[test]
fn keyword_free_wall_of_text_scores_low_and_below_the_good_post() {
    let sentence = "The quarterly operational considerations regarding organisational infrastructure \
                    necessitate comprehensive evaluation of interdepartmental communication methodologies \
                    and their corresponding implementation frameworks across geographically distributed \
                    administrative subdivisions";
    let wall = [sentence; 12].join(", and furthermore ") + ".";
    let a = analyze(&wall, &blog_request());
    let good = analyze(GOOD_BLOG, &blog_request());
    assert!(a.quality_score < 0.5, "{} {:?}", a.quality_score, a.metadata.quality_breakdown);
    assert!(a.seo_score < 0.5, "{} {:?}", a.seo_score, a.metadata.seo_breakdown);
    assert!(good.quality_score > a.quality_score + 0.3 && good.seo_score > a.seo_score + 0.3);
    for id in ["sentence_length", "paragraph_length", "flesch_reading_ease", "keywords", "keyphrase_in_introduction"] {
        assert_eq!(light(&a, id), Some(Light::Red), "{id}");
    }
    assert_eq!(a.metadata.keywords_missing, vec!["AI", "marketing", "automation"]);
    assert_eq!(a.metadata.keyword_density, 0.0);
}

#[test]
fn exact_assessments_of_a_small_blog() {
    let req = ContentRequest::new(ContentType::Blog, "Remote work").keywords(["remote work", "focus"]).length(20);
    let text =
        "# Remote work tips\n\nRemote work needs focus. Plan your day.\n\n## Tools\n\nUse a timer. Sign up today.";
    let a = analyze(text, &req);
    let m = &a.metadata;
    // 17 words, 6 sentences (2 headings + 4), 22 syllables, 17 tokens of which 5 are keywords.
    assert_eq!((m.word_count, m.readability.sentences), (17, 6));
    assert!(close(m.readability.flesch_reading_ease, 206.835 - 1.015 * 17.0 / 6.0 - 84.6 * 22.0 / 17.0));
    assert!(close(m.keyword_density, 100.0 * 5.0 / 17.0));
    let q = &m.quality_breakdown;
    // Two headings but two paragraphs of three: structure ½ + ½·⅔ = 0.83, orange.
    assert_eq!((q["length"], q["keywords"], q["call_to_action"], q["structure"]), (1.0, 1.0, 1.0, ORANGE));
    assert_eq!((q["sentence_length"], q["flesch_reading_ease"], q["repeated_phrases"]), (1.0, 1.0, 1.0));
    assert!(!q.contains_key("transition_words"), "only for texts over 200 words");
    assert!(close(a.quality_score, q.values().sum::<f64>() / q.len() as f64));
    let s = &m.seo_breakdown;
    // `remote work` once in the title, once in 17 words (count 1 of at most 2: green); the
    // intro has 4 words (< 8) so there is no first paragraph; 17 words < 300 for a blog.
    assert_eq!((s["keyphrase_density"], s["keyphrase_in_title"], s["keyphrase_length"]), (1.0, 1.0, 1.0));
    assert_eq!((s["keyphrase_in_introduction"], s["text_length"], s["keyphrase_in_subheadings"]), (RED, RED, RED));
    assert_eq!(s["meta_description_length"], ORANGE);
    assert!(close(a.seo_score, s.values().sum::<f64>() / s.len() as f64));
    assert_eq!(m.assessments.len(), {
        let mut ids: Vec<&String> = q.keys().chain(s.keys()).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    });
}

#[test]
fn empty_copy_scores_zero_without_panicking() {
    let a = analyze("", &blog_request());
    assert_eq!((a.quality_score, a.seo_score), (0.0, 0.0));
    assert_eq!((a.metadata.word_count, a.metadata.char_count, a.metadata.reading_time), (0, 0, 1));
    let zero_target = ContentRequest::new(ContentType::Blog, "x").length(0);
    let blank = analyze("   ", &zero_target);
    assert_eq!((blank.quality_score, blank.metadata.quality_breakdown["length"]), (0.0, RED));
}

#[test]
fn density_counts_keyword_tokens() {
    let req = ContentRequest::new(ContentType::Blog, "t").keywords(["AI"]);
    let a = analyze("AI tools help. AI wins. Said.", &req);
    assert!(close(a.metadata.keyword_density, 100.0 * 2.0 / 6.0));
    // Under 100 words the keyphrase is judged by count: twice in 6 words is fine ...
    assert_eq!(a.metadata.seo_breakdown["keyphrase_density"], 1.0);
    // ... four times is keyword stuffing, a failure that caps both scores.
    let a = analyze("AI tools help. AI wins. AI AI said.", &req);
    assert_eq!(a.metadata.seo_breakdown["keyphrase_density"], 0.0);
    assert!(a.quality_score <= FAILURE_CAP && a.seo_score <= FAILURE_CAP);
}

#[test]
fn topic_words_stand_in_for_missing_keywords() {
    let req = ContentRequest::new(ContentType::Blog, "Remote hiring").length(10);
    let a = analyze("Remote teams need trust. Good onboarding helps.", &req);
    assert!(a.metadata.keywords_used.is_empty() && a.metadata.keywords_missing.is_empty());
    assert_eq!(a.metadata.quality_breakdown["keywords"], ORANGE);
    assert_eq!(light(&a, "keyphrase_length"), Some(Light::Red), "no focus keyphrase without keywords");
}

#[test]
fn twitter_copy_over_280_chars_gets_a_thread() {
    let req = ContentRequest::new(ContentType::SocialMedia, "Marketing tips").platform(Platform::Twitter);
    let copy =
        format!("{} Learn more today. #Marketing", "Post one useful tip each day and watch it grow. ".repeat(10));
    let a = analyze(&copy, &req);
    let m = &a.metadata;
    assert!(m.thread.len() >= 2);
    assert!(m.thread.iter().all(|p| p.chars().count() <= 280));
    assert!(m.fits_platform && m.has_call_to_action);
    assert_eq!(m.hashtags, vec!["#Marketing"]);
    assert_eq!(m.seo_breakdown["hashtags"], 1.0);
    let short = analyze("Quick tip: post daily. #Growth", &req);
    assert!(short.metadata.thread.is_empty() && short.metadata.fits_platform);
}

#[test]
fn platform_caps_and_hashtag_limits_decide_fit() {
    let insta = ContentRequest::new(ContentType::SocialMedia, "Launch").platform(Platform::Instagram);
    assert!(!analyze(&"word ".repeat(500), &insta).metadata.fits_platform);
    let tw = ContentRequest::new(ContentType::SocialMedia, "Launch").platform(Platform::Twitter);
    let a = analyze("Big launch today! #a1 #b2 #c3 #d4", &tw);
    assert!(!a.metadata.fits_platform, "4 hashtags > Twitter's 3");
    assert_eq!(a.metadata.quality_breakdown["structure"], RED);
    assert_eq!(a.metadata.quality_breakdown["platform_fit"], 0.0);
    assert_eq!(a.metadata.seo_breakdown["hashtags"], RED);
    assert!(a.quality_score <= FAILURE_CAP, "breaking the platform caps the score");
    // A blog is not a post: its length is not capped even on LinkedIn.
    let blog = ContentRequest::new(ContentType::Blog, "Launch").platform(Platform::Linkedin);
    assert!(analyze(&"word ".repeat(1000), &blog).metadata.fits_platform);
}

#[test]
fn hashtags_found_else_generated_when_wanted() {
    let req = ContentRequest::new(ContentType::SocialMedia, "Coffee culture").platform(Platform::Instagram);
    assert_eq!(analyze("Fresh beans today. #Coffee #coffee", &req).metadata.hashtags, vec!["#Coffee"]);
    assert_eq!(analyze("Fresh beans today.", &req).metadata.hashtags, vec!["#Coffee", "#Culture"]);
    let off = req.include_hashtags(false);
    assert!(analyze("Fresh beans today.", &off).metadata.hashtags.is_empty());
}

#[test]
fn email_subject_and_structure() {
    let req = ContentRequest::new(ContentType::Email, "Spring sale").length(30);
    let text = "Subject: Spring sale starts now\n\nHi Alex,\n\nOur spring sale starts today. Shop now and save.\n\n\
                Best,\nThe Shop team";
    let a = analyze(text, &req);
    assert_eq!(a.metadata.subject_line.as_deref(), Some("Spring sale starts now"));
    assert_eq!(a.metadata.quality_breakdown["structure"], 1.0);
    assert!(a.metadata.meta_description.is_none());
    let bare = analyze("Our spring sale starts today.", &req);
    assert_eq!(bare.metadata.quality_breakdown["structure"], RED);
    assert_eq!(bare.metadata.quality_breakdown["call_to_action"], RED);
    assert_eq!(light(&a, "keyphrase_in_title"), None, "no keyword, so no keyphrase checks");
}

#[test]
fn press_release_needs_no_call_to_action() {
    let req = ContentRequest::new(ContentType::PressRelease, "Acme v2").length(100);
    let a = analyze("# Acme ships v2\n\n\"We built this for our users,\" said Jo.", &req);
    assert!(!a.metadata.quality_breakdown.contains_key("call_to_action"));
    assert_eq!(a.metadata.quality_breakdown["structure"], 1.0);
    assert!(!a.metadata.has_call_to_action);
}

#[test]
fn analysis_is_deterministic() {
    assert_eq!(analyze(GOOD_BLOG, &blog_request()), analyze(GOOD_BLOG, &blog_request()));
}
