//! The built-in template pack: the original app's `product_launch` preset and eight more
//! everyday marketing briefs, each with typed variables.

use super::model::{Template, TemplateVariable as Var, VariableKind};
use crate::content::{ContentType, Platform, Tone};

/// Every built-in template, in no particular order.
pub(crate) fn templates() -> Vec<Template> {
    vec![
        product_launch(),
        blog_post(),
        social_announcement(),
        email_campaign(),
        ad_copy(),
        event_promotion(),
        case_study(),
        product_description(),
        press_release(),
    ]
}

fn base(name: &str, description: &str, content_type: ContentType, tone: Tone, topic: &str, prompt: &str) -> Template {
    Template {
        name: name.to_owned(),
        version: "1.0.0".to_owned(),
        description: description.to_owned(),
        content_type,
        default_tone: tone,
        default_length: None,
        default_platform: None,
        variables: Vec::new(),
        keywords: Vec::new(),
        topic: topic.to_owned(),
        prompt: prompt.to_owned(),
    }
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|&s| s.to_owned()).collect()
}

const PRODUCT_LAUNCH: &str = r#"
Create an exciting product launch announcement for {{ product_name }}.

Key features: {{ features }}
Target audience: {{ audience }}
Launch date: {{ launch_date }}

Emphasize innovation and benefits.
Include call-to-action.
"#;

/// The seed's preset, with the same variables, keywords and defaults.
fn product_launch() -> Template {
    Template {
        default_length: Some(500),
        variables: vec![
            Var::new("product_name", "Name of the product being launched"),
            Var::new("features", "Key features, as a sentence or comma-separated"),
            Var::new("audience", "Who the product is for"),
            Var::new("launch_date", "When the product becomes available (free text, as the original app took it)"),
        ],
        keywords: words(&["new", "launch", "innovative", "available"]),
        ..base(
            "product_launch",
            "Product launch announcement: what is new, for whom, and from when",
            ContentType::SocialMedia,
            Tone::Exciting,
            "Launch of {{ product_name }}",
            PRODUCT_LAUNCH,
        )
    }
}

const BLOG_POST: &str = r#"
Write a {{ format }} blog article about {{ subject }}{% if audience %} for {{ audience }}{% endif %}.

{% if format == "listicle" %}
Structure it as a numbered list of {{ item_count }} items. Give each item a short, scannable heading and two to four sentences with a concrete example or tip.
{% elif format == "how-to" %}
Structure it as a step-by-step guide of about {{ item_count }} steps. Start with what the reader needs before beginning, start each numbered step with a verb, and end with how to check the result.
{% else %}
Structure it with an introduction, H2 sections that each answer one question the reader has, and a short summary.
{% endif %}
{% if key_points %}
Cover these points: {{ key_points }}.
{% endif %}
{% if primary_keyword %}
Use the phrase "{{ primary_keyword }}" in the title, the first paragraph and one H2 heading, without forcing it.
{% endif %}

Open with a hook that names the reader's problem, keep paragraphs short and words plain, and finish with a clear next step for the reader.
"#;

fn blog_post() -> Template {
    Template {
        default_length: Some(1200),
        variables: vec![
            Var::new("subject", "What the article teaches or covers"),
            Var::new("format", "how-to, listicle or guide").default_value("how-to"),
            Var::new("audience", "Who the article is for").optional(),
            Var::new("item_count", "Number of steps or list items").kind(VariableKind::Integer).default_value(7),
            Var::new("key_points", "Points the article must cover").kind(VariableKind::List).optional(),
            Var::new("primary_keyword", "Search phrase to rank for").optional(),
        ],
        ..base(
            "blog_post",
            "How-to guide, listicle or explainer article with headings",
            ContentType::Blog,
            Tone::Informative,
            "{{ subject }}",
            BLOG_POST,
        )
    }
}

const SOCIAL_ANNOUNCEMENT: &str = r##"
Write a social media post in which {{ brand_name }} announces: {{ announcement }}
{% if details %}
Details to work in: {{ details }}
{% endif %}

Lead with the news in the first line so it reads well in a feed preview. Say in one or two short sentences why it matters to followers, keep the voice human rather than corporate, and use at most one emoji.
{% if link %}
End by pointing readers to {{ link }}.
{% else %}
End with a question or an invitation that prompts replies.
{% endif %}
{% if hashtags %}
Include these hashtags: {% for tag in hashtags %}#{{ tag|replace("#", "")|replace(" ", "") }}{% if not loop.last %} {% endif %}{% endfor %}
{% endif %}
"##;

/// Short news post; no default length, so the platform's own default applies.
fn social_announcement() -> Template {
    Template {
        variables: vec![
            Var::new("brand_name", "Who is announcing"),
            Var::new("announcement", "The news in one sentence"),
            Var::new("details", "Extra facts worth mentioning").optional(),
            Var::new("link", "Where readers can learn more").optional(),
            Var::new("hashtags", "Hashtags to include, with or without #").kind(VariableKind::List).optional(),
        ],
        ..base(
            "social_announcement",
            "Short social post announcing news, a feature or a milestone",
            ContentType::SocialMedia,
            Tone::Friendly,
            "{{ brand_name }}: {{ announcement }}",
            SOCIAL_ANNOUNCEMENT,
        )
    }
}

const EMAIL_CAMPAIGN: &str = r#"
Write a {{ campaign_type }} email from {{ brand_name }}{% if audience %} to {{ audience }}{% endif %}.

Main message: {{ main_message }}
{% if offer %}
Offer: {{ offer }}
{% endif %}
{% if deadline %}
The offer ends on {{ deadline }}; say so plainly once near the top and once next to the call to action, without false urgency.
{% endif %}

Start with {{ subject_variants }} subject line options, each under 50 characters, each on a line beginning "Subject:", then one line beginning "Preview:" with preview text under 90 characters.
Then write the body: a greeting, an opening sentence about the reader's situation, the main message in short paragraphs{% if campaign_type == "newsletter" %} with a skimmable heading for each story{% endif %}, and one call-to-action button reading "{{ cta_text }}".
Keep one idea per paragraph and close with a friendly sign-off from the {{ brand_name }} team.
"#;

fn email_campaign() -> Template {
    Template {
        default_length: Some(300),
        default_platform: Some(Platform::Email),
        variables: vec![
            Var::new("brand_name", "Who sends the email"),
            Var::new("campaign_type", "newsletter, promotion, product update or re-engagement")
                .default_value("promotion"),
            Var::new("main_message", "The one thing the email must get across"),
            Var::new("offer", "Discount or incentive, e.g. 20% off annual plans").optional(),
            Var::new("deadline", "Last day of the offer").kind(VariableKind::Date).optional(),
            Var::new("audience", "Who receives it, e.g. customers inactive for 90 days").optional(),
            Var::new("cta_text", "Text of the call-to-action button").default_value("Learn more"),
            Var::new("subject_variants", "How many subject lines to propose")
                .kind(VariableKind::Integer)
                .default_value(3),
        ],
        ..base(
            "email_campaign",
            "Newsletter or promotional email with subject line options and preview text",
            ContentType::Email,
            Tone::Persuasive,
            "{{ brand_name }} {{ campaign_type }}: {{ main_message }}",
            EMAIL_CAMPAIGN,
        )
    }
}

const AD_COPY: &str = r#"
Write {{ channel }} ad copy for {{ product_name }}{% if audience %}, aimed at {{ audience }}{% endif %}.

Main benefit: {{ benefit }}
{% if offer %}
Offer: {{ offer }}
{% endif %}

Give {{ variant_count }} headline variants, each on its own line beginning "Headline 1:", "Headline 2:" and so on.
{% if channel == "search" %}
Keep each headline under 30 characters and each description under 90 characters, as search ads require.
{% else %}
Keep each headline under 40 characters; the primary text may run to 125 characters.
{% endif %}
Give each variant a different angle: the benefit, the pain it removes, proof, or urgency.
Follow with one description line per headline and end with the call to action "{{ cta_text }}".
Use concrete numbers where the facts above allow, and make no claim that is not given above.
"#;

fn ad_copy() -> Template {
    Template {
        default_length: Some(60),
        variables: vec![
            Var::new("product_name", "What is advertised"),
            Var::new("benefit", "The main benefit or promise"),
            Var::new("audience", "Who should click").optional(),
            Var::new("channel", "search, social or display").default_value("search"),
            Var::new("variant_count", "How many headline variants").kind(VariableKind::Integer).default_value(3),
            Var::new("offer", "Discount or incentive").optional(),
            Var::new("cta_text", "The call to action").default_value("Get started"),
        ],
        ..base(
            "ad_copy",
            "Ad headlines in several variants with descriptions, for search or social ads",
            ContentType::AdCopy,
            Tone::Persuasive,
            "{{ product_name }}: {{ benefit }}",
            AD_COPY,
        )
    }
}

const EVENT_PROMOTION: &str = r#"
Write a post promoting {{ event_name }}.

Date: {{ event_date }}
Location: {{ location }}
About the event: {{ description }}
{% if speakers %}
Speakers: {{ speakers }}. Name them and say what attendees will learn from them.
{% endif %}
{% if is_free %}
Entry is free; say so early.
{% elif price %}
Tickets cost {{ price }} {{ currency }}; set the price against the value of attending.
{% endif %}

Open with the single most compelling reason to attend, give the date and place in plain words, and create urgency honestly (limited seats or the date) without exaggeration.
{% if registration_url %}
Close with a call to register at {{ registration_url }}.
{% else %}
Close with a clear call to register.
{% endif %}
"#;

fn event_promotion() -> Template {
    Template {
        default_length: Some(150),
        variables: vec![
            Var::new("event_name", "Name of the event"),
            Var::new("event_date", "Day of the event").kind(VariableKind::Date),
            Var::new("location", "Venue and city, or Online"),
            Var::new("description", "What happens at the event and why attend"),
            Var::new("speakers", "Speakers or hosts").kind(VariableKind::List).optional(),
            Var::new("is_free", "Whether entry is free").kind(VariableKind::Boolean).default_value(false),
            Var::new("price", "Ticket price").kind(VariableKind::Number).optional(),
            Var::new("currency", "Currency of the price").default_value("USD"),
            Var::new("registration_url", "Where to register").optional(),
        ],
        keywords: words(&["event", "register"]),
        ..base(
            "event_promotion",
            "Post promoting a webinar, meetup or conference with date, place and registration",
            ContentType::SocialMedia,
            Tone::Exciting,
            "{{ event_name }} on {{ event_date }}",
            EVENT_PROMOTION,
        )
    }
}

const CASE_STUDY: &str = r#"
Write a customer case study about how {{ customer_name }}, a company in {{ industry }}, uses {{ product_name }}.

The challenge: {{ challenge }}
The solution: {{ solution }}
The results:
{% for result in results %}
- {{ result }}
{% endfor %}

Structure it as: a headline that states the main result, a two-sentence summary, sections titled "The challenge", "The solution" and "The results", and a closing paragraph on what comes next for {{ customer_name }}.
{% if quote %}
Quote the customer verbatim, in quotation marks and unchanged{% if quote_author %}, attributed to {{ quote_author }}{% endif %}: "{{ quote }}"
{% else %}
Do not invent quotes; tell the story in the third person.
{% endif %}
Use only the facts and figures given above; add no numbers of your own.
"#;

fn case_study() -> Template {
    Template {
        default_length: Some(900),
        variables: vec![
            Var::new("customer_name", "The customer"),
            Var::new("industry", "The customer's industry"),
            Var::new("product_name", "What the customer uses"),
            Var::new("challenge", "The problem before"),
            Var::new("solution", "How the product was used to solve it"),
            Var::new("results", "Measured outcomes, e.g. 40% less time on reporting").kind(VariableKind::List),
            Var::new("quote", "A customer quote, verbatim").optional(),
            Var::new("quote_author", "Name and role of the person quoted").optional(),
        ],
        keywords: words(&["case study", "results"]),
        ..base(
            "case_study",
            "Customer success story: challenge, solution, measured results and testimonial",
            ContentType::Blog,
            Tone::Professional,
            "How {{ customer_name }} uses {{ product_name }}",
            CASE_STUDY,
        )
    }
}

const PRODUCT_DESCRIPTION: &str = r#"
Write a product description for {{ product_name }}{% if category %}, a {{ category }}{% endif %}{% if audience %}, for {{ audience }}{% endif %}.

Features:
{% for feature in features %}
- {{ feature }}
{% endfor %}
{% if materials %}
Materials: {{ materials }}
{% endif %}
{% if use_cases %}
Show it in use for: {{ use_cases }}.
{% endif %}
{% if price %}
Price: {{ price }} {{ currency }}. Mention it once, next to the value it delivers.
{% endif %}

Open with one sentence on what the product does for the buyer, turn each feature into a benefit, list the specifications as short bullets, and end with a reason to buy now. Write for a shop page: scannable and concrete, with no superlatives that the facts do not support.
"#;

fn product_description() -> Template {
    Template {
        default_length: Some(150),
        variables: vec![
            Var::new("product_name", "The product"),
            Var::new("category", "Product category, e.g. trail running shoe").optional(),
            Var::new("features", "Features and specifications").kind(VariableKind::List),
            Var::new("materials", "What it is made of").optional(),
            Var::new("use_cases", "Situations it is made for").kind(VariableKind::List).optional(),
            Var::new("price", "Price").kind(VariableKind::Number).optional(),
            Var::new("currency", "Currency of the price").default_value("USD"),
            Var::new("audience", "Who buys it").optional(),
        ],
        ..base(
            "product_description",
            "Shop-page product description that turns features into benefits",
            ContentType::ProductDescription,
            Tone::Persuasive,
            "{{ product_name }}{% if category %} ({{ category }}){% endif %}",
            PRODUCT_DESCRIPTION,
        )
    }
}

const PRESS_RELEASE: &str = r##"
Write a press release for {{ company_name }} under the headline "{{ headline }}".

The news: {{ announcement }}

Use the standard format: the headline, a one-sentence subheadline, then the dateline "{{ city }}, {{ release_date }}" opening the first paragraph, which answers who, what, when, where and why. Follow with supporting paragraphs in order of importance.
{% if quote %}
Include this quote verbatim{% if spokesperson %}, attributed to {{ spokesperson }}{% endif %}: "{{ quote }}"
{% elif spokesperson %}
Include one quote from {{ spokesperson }} that explains why the news matters; keep it plausible and free of hype.
{% endif %}
{% if boilerplate %}
End with an "About {{ company_name }}" section using this text: {{ boilerplate }}
{% else %}
End with a short "About {{ company_name }}" section based only on the facts above.
{% endif %}
{% if media_contact %}
Close with "Media contact: {{ media_contact }}".
{% endif %}
Write in the third person, in a factual news style, and end with a line containing only ###.
"##;

fn press_release() -> Template {
    Template {
        default_length: Some(500),
        variables: vec![
            Var::new("company_name", "Who issues the release"),
            Var::new("headline", "The release's headline"),
            Var::new("announcement", "The news: what, who and why it matters"),
            Var::new("release_date", "Date of the dateline").kind(VariableKind::Date),
            Var::new("city", "City of the dateline"),
            Var::new("quote", "A quote to include verbatim").optional(),
            Var::new("spokesperson", "Name and title of the person quoted").optional(),
            Var::new("boilerplate", "The 'About the company' paragraph").optional(),
            Var::new("media_contact", "Press contact: name, email or phone").optional(),
        ],
        keywords: words(&["announces"]),
        ..base(
            "press_release",
            "News release with dateline, quote, boilerplate and media contact",
            ContentType::PressRelease,
            Tone::Professional,
            "{{ headline }}",
            PRESS_RELEASE,
        )
    }
}
