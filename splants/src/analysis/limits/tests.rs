use super::*;
use crate::content::{ContentRequest, ContentType};

fn post(p: Platform) -> ContentRequest {
    ContentRequest::new(ContentType::SocialMedia, "t").platform(p)
}

#[test]
fn x_weighs_as_twitter_text_does() {
    assert_eq!(count(&"a".repeat(280), Counting::XWeighted), 280);
    assert_eq!(count(&"日".repeat(140), Counting::XWeighted), 280, "CJK counts 2");
    assert_eq!(count("é—’", Counting::XWeighted), 3, "Latin-1, dashes and quotes count 1");
    assert_eq!(count("€", Counting::XWeighted), 2);
    assert_eq!(count("😀", Counting::XWeighted), 2);
    assert_eq!(count("👍🏽", Counting::XWeighted), 2, "an emoji with a skin tone is one emoji");
    assert_eq!(count("👨‍👩‍👧", Counting::XWeighted), 2, "a ZWJ family is one emoji");
    assert_eq!(count("🇫🇷", Counting::XWeighted), 2, "a flag is one emoji");
    let url = "https://example.com/a/very/long/path/that/goes/on/and/on/for/ever?and=a&query=string";
    assert_eq!(count(url, Counting::XWeighted), 23);
    assert_eq!(count(&format!("See {url}."), Counting::XWeighted), 4 + 23 + 1, "trailing period is not the URL's");
    assert_eq!(count("http:// alone", Counting::XWeighted), 13, "a scheme alone is not a URL");
    assert_eq!(count("xhttps://a.b", Counting::XWeighted), 12, "inside a word is not a URL");
}

#[test]
fn bluesky_counts_graphemes_and_mastodon_urls_as_23() {
    assert_eq!(count("e\u{301}", Counting::Graphemes), 1);
    assert_eq!(count("e\u{301}", Counting::Chars), 2);
    assert_eq!(count("🇫🇷👨‍👩‍👧", Counting::Graphemes), 2);
    let url = format!("https://example.com/{}", "x".repeat(100));
    assert_eq!(count(&format!("go {url}"), Counting::CharsUrl23), 3 + 23);
    assert_eq!(count(&format!("go {url}"), Counting::Chars), 3 + url.chars().count());
}

#[test]
fn posts_within_the_limit_have_no_violation_and_one_over_has_one() {
    let bsky = post(Platform::Bluesky);
    let exact = "e\u{301}".repeat(300); // 600 chars, 300 graphemes
    assert!(violations(&exact, &bsky).is_empty());
    let over = format!("{exact}a");
    let v = violations(&over, &bsky);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].limit, v[0].field, v[0].max, v[0].found), ("bluesky_post_graphemes", "content", 300, 301));
    for (platform, max) in [
        (Platform::Threads, 500),
        (Platform::Mastodon, 500),
        (Platform::Instagram, 2200),
        (Platform::Linkedin, 3000),
        (Platform::Facebook, 63_206),
    ] {
        let req = post(platform);
        assert!(violations(&"a".repeat(max), &req).is_empty(), "{platform}");
        assert_eq!(violations(&"a".repeat(max + 1), &req)[0].found, max + 1, "{platform}");
    }
    // Not a post type: a blog has no post limit.
    let blog = ContentRequest::new(ContentType::Blog, "t").platform(Platform::Linkedin);
    assert!(violations(&"a ".repeat(5000), &blog).is_empty());
}

#[test]
fn a_cut_fits_the_platforms_own_count_and_says_what_it_did() {
    let req = post(Platform::Bluesky);
    let sentence = "Café owners 👩‍🍳 love this one trick for busy mornings. ";
    let text = sentence.repeat(20);
    let (fitted, notes) = fit(&text, &req);
    assert!(count(&fitted, Counting::Graphemes) <= 300, "{}", count(&fitted, Counting::Graphemes));
    assert!(fitted.ends_with('.'), "cut at a sentence end: {fitted:?}");
    assert!(text.starts_with(&fitted));
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    assert_eq!((note.limit.as_str(), note.method, note.max), ("bluesky_post_graphemes", RepairMethod::Cut, 300));
    assert_eq!(note.found, count(text.trim(), Counting::Graphemes));
    assert_eq!(note.after, count(&fitted, Counting::Graphemes));
    assert!(note.message.contains("graphemes"), "{}", note.message);
    // Fitting what fits changes nothing and says nothing.
    assert_eq!(fit(&fitted, &req), (fitted.clone(), vec![]));
}

#[test]
fn instagram_keeps_its_first_30_hashtags() {
    let tags: Vec<String> = (1..=34).map(|i| format!("#tag{i}")).collect();
    let text = format!("A caption for the launch.\n\n{}", tags.join(" "));
    let req = post(Platform::Instagram);
    let v = violations(&text, &req);
    assert_eq!((v[0].limit, v[0].found), ("instagram_hashtags", 34));
    let (fitted, notes) = fit(&text, &req);
    assert_eq!(find_hashtags(&fitted).len(), 30);
    assert!(fitted.contains("#tag30") && !fitted.contains("#tag31"), "{fitted}");
    assert!(fitted.starts_with("A caption for the launch."));
    assert_eq!((notes[0].found, notes[0].after), (34, 30));
}

#[test]
fn a_long_email_subject_is_cut_at_a_word() {
    let subject = "Our biggest spring sale ever starts today with savings on every single plan you can think of";
    let text = format!("Subject: {subject}\n\nHi Sam,\n\nThe sale is on.\n\nBest,\nThe team");
    let req = ContentRequest::new(ContentType::Email, "t");
    let v = violations(&text, &req);
    assert_eq!((v[0].limit, v[0].found), ("email_subject_chars", subject.chars().count()));
    let (fitted, notes) = fit(&text, &req);
    let (_, short) = subject_line(&fitted).unwrap();
    assert!(short.chars().count() <= EMAIL_SUBJECT_CHARS, "{short}");
    assert!(subject.starts_with(short) && !short.ends_with(' '), "{short:?}");
    assert!(fitted.ends_with("\n\nHi Sam,\n\nThe sale is on.\n\nBest,\nThe team"));
    assert_eq!(notes[0].after, short.chars().count());
    // Markdown-bold labels are found too.
    assert_eq!(subject_line("**Subject:** Hello there**\n\nBody").map(|(_, s)| s), Some("Hello there"));
}

#[test]
fn x_threads_weigh_each_post_and_stop_at_25() {
    let req = post(Platform::Twitter);
    let cjk = "日本語の文章です。".repeat(60); // 540 chars, 1,080 weighted
    let thread = split_thread_by(&cjk, 280, |t| count(t, Counting::XWeighted));
    assert!(thread.len() > 3);
    for p in &thread {
        assert!(count(p, Counting::XWeighted) <= 280, "{p}");
    }
    assert_eq!(violations(&cjk, &req), vec![]);
    let long = "Marketing teams plan campaigns one careful week at a time, and measure them. ".repeat(120);
    let v = violations(&long, &req);
    assert_eq!(v[0].limit, "x_thread_posts");
    assert!(v[0].found > 25);
    let (fitted, notes) = fit(&long, &req);
    assert!(split_thread_by(&fitted, 280, |t| count(t, Counting::XWeighted)).len() <= 25);
    assert!(long.starts_with(&fitted[..200]));
    assert_eq!(notes[0].after, split_thread_by(&fitted, 280, |t| count(t, Counting::XWeighted)).len());
}
