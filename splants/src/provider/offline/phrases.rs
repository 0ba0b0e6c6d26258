//! The drafter's phrase banks: a voice per tone and tone-neutral sentences.
//!
//! Placeholders: `{t}` topic, `{k}` focus keyword (`{K}` capitalised), `{list}` every keyword.

use crate::content::Tone;

/// Phrases that give a tone its voice (three variants each, picked by the topic's hash).
pub(super) struct Voice {
    /// First sentence of a piece, about `{t}`.
    pub openers: [&'static str; 3],
    /// Closing sentence before the call to action.
    pub closers: [&'static str; 3],
    /// Title patterns with `{t}`.
    pub titles: [&'static str; 3],
    /// Email greetings (first word is a greeting the analysis knows).
    pub greetings: [&'static str; 3],
    /// Email sign-offs (first word is a sign-off the analysis knows).
    pub sign_offs: [&'static str; 3],
    /// Tone-flavoured sentences without placeholders.
    pub flavor: [&'static str; 3],
    /// Whether calls to action end with `!`.
    pub bang: bool,
}

/// The voice of `tone`.
pub(super) fn voice(tone: Tone) -> &'static Voice {
    match tone {
        Tone::Professional => &PROFESSIONAL,
        Tone::Casual => &CASUAL,
        Tone::Exciting => &EXCITING,
        Tone::Friendly => &FRIENDLY,
        Tone::Authoritative => &AUTHORITATIVE,
        Tone::Humorous => &HUMOROUS,
        Tone::Persuasive => &PERSUASIVE,
        Tone::Informative => &INFORMATIVE,
        Tone::Inspirational => &INSPIRATIONAL,
    }
}

static PROFESSIONAL: Voice = Voice {
    openers: ["This guide looks at {t}.", "Here is a clear look at {t}.", "Let us walk through {t}, step by step."],
    closers: [
        "The steps above are simple, and they work when you apply them with care.",
        "Start small, measure the results and build on what works.",
        "A clear plan and steady effort will get you there.",
    ],
    titles: ["{t}: A Practical Guide", "{t}: What Works Now", "{t}"],
    greetings: ["Hello,", "Dear reader,", "Good morning,"],
    sign_offs: ["Best regards,", "Kind regards,", "Sincerely,"],
    flavor: [
        "Clear goals make every decision easier.",
        "Consistency matters more than any single tactic.",
        "Good data leads to better choices.",
    ],
    bang: false,
};

static CASUAL: Voice = Voice {
    openers: [
        "Let's talk about {t}.",
        "So you want to get better at {t}? Good news: it's easier than it looks.",
        "Here's the deal with {t}.",
    ],
    closers: [
        "That's it, no magic required.",
        "Try one thing this week and see how it goes.",
        "Keep it simple and keep it fun.",
    ],
    titles: ["{t}, Made Simple", "{t}: The No-Fuss Guide", "{t}"],
    greetings: ["Hey there,", "Hi friend,", "Hi,"],
    sign_offs: ["Cheers,", "Talk soon,", "Thanks,"],
    flavor: ["No need to overthink it.", "Honestly, small tweaks go a long way.", "You've got this."],
    bang: true,
};

static EXCITING: Voice = Voice {
    openers: [
        "Get ready, because {t} is about to get a lot more fun!",
        "Big things are happening with {t}!",
        "This is your moment to win with {t}!",
    ],
    closers: ["The best part? You can start today!", "Now go make it happen!", "Exciting times are ahead!"],
    titles: ["{t}: Your Big Win Starts Now", "{t} Like Never Before", "{t}"],
    greetings: ["Hi there!", "Hello, friend!", "Hey!"],
    sign_offs: ["Cheers,", "See you soon,", "All the best,"],
    flavor: [
        "The results can be amazing.",
        "Every step gets you closer to a big win.",
        "This is where the fun begins.",
    ],
    bang: true,
};

static FRIENDLY: Voice = Voice {
    openers: [
        "Welcome! Today we are looking at {t}.",
        "We are glad you are here to learn about {t}.",
        "Let's explore {t} together.",
    ],
    closers: [
        "We are here to help every step of the way.",
        "Take your time and enjoy the process.",
        "We can't wait to hear how it goes.",
    ],
    titles: ["{t}: A Friendly Guide", "Your Guide to {t}", "{t}"],
    greetings: ["Hi there,", "Hello friend,", "Dear friend,"],
    sign_offs: ["Warmly,", "Talk soon,", "With gratitude,"],
    flavor: ["We have all been there.", "Small steps still count.", "You are not alone in this."],
    bang: true,
};

static AUTHORITATIVE: Voice = Voice {
    openers: [
        "Research and practice point the same way on {t}.",
        "Here is what works in {t}, based on proven practice.",
        "Leaders who master {t} share a few clear habits.",
    ],
    closers: [
        "The evidence is clear: disciplined execution wins.",
        "Apply these principles and measure the results.",
        "Follow the process and the results will follow.",
    ],
    titles: ["{t}: The Definitive Guide", "{t}: Proven Principles", "{t}"],
    greetings: ["Dear reader,", "Hello,", "Good morning,"],
    sign_offs: ["Regards,", "Sincerely,", "Best regards,"],
    flavor: [
        "Proven methods beat passing trends.",
        "Discipline turns good plans into results.",
        "Measure first, then decide.",
    ],
    bang: false,
};

static HUMOROUS: Voice = Voice {
    openers: [
        "Let's be honest: {t} can feel like herding cats.",
        "Good news: {t} is easier than building flat-pack furniture.",
        "Grab a coffee, because we are tackling {t}.",
    ],
    closers: [
        "No cats were harmed in the making of this plan.",
        "Now go forth and be brilliant, or at least a bit better.",
        "That's the plan, and it beats winging it.",
    ],
    titles: ["{t} (Without Losing Your Mind)", "{t}: A Survival Guide", "{t}"],
    greetings: ["Hi there,", "Hello, brave reader,", "Hey,"],
    sign_offs: ["Cheers,", "Thanks for reading,", "Yours in good humor,"],
    flavor: [
        "Coffee helps, but a plan helps more.",
        "Yes, even your boss will notice.",
        "It's not rocket science, thankfully.",
    ],
    bang: true,
};

static PERSUASIVE: Voice = Voice {
    openers: [
        "What if {t} could save you hours every week?",
        "You already know {t} matters. Here is how to make it pay.",
        "Every week without a plan for {t} costs you money.",
    ],
    closers: [
        "The sooner you start, the sooner you see results.",
        "Why wait when the next step is this simple?",
        "Make the choice today and feel the difference.",
    ],
    titles: ["Why {t} Pays Off", "{t}: Stop Leaving Results on the Table", "{t}"],
    greetings: ["Hi there,", "Hello,", "Dear friend,"],
    sign_offs: ["To your success,", "Best,", "Cheers,"],
    flavor: [
        "The cost of waiting is real.",
        "Imagine what you could do with the time you save.",
        "Results like these are within reach.",
    ],
    bang: false,
};

static INFORMATIVE: Voice = Voice {
    openers: [
        "This guide explains {t} in plain terms.",
        "Here are the key facts about {t}.",
        "Let's break {t} down into simple parts.",
    ],
    closers: [
        "Those are the key points to remember.",
        "Use this guide as a checklist when you plan.",
        "With these basics, you are ready for the next step.",
    ],
    titles: ["{t}: What You Need to Know", "{t} Explained", "{t}"],
    greetings: ["Hello,", "Hi,", "Dear reader,"],
    sign_offs: ["Best regards,", "Thanks,", "Regards,"],
    flavor: ["Here is how it works.", "The details matter here.", "A simple example makes this clear."],
    bang: false,
};

static INSPIRATIONAL: Voice = Voice {
    openers: [
        "Every great result starts with a single step, and {t} is no different.",
        "Imagine where {t} could take you a year from now.",
        "You have more power over {t} than you think.",
    ],
    closers: [
        "Your best work is still ahead of you.",
        "Believe in the process and keep going.",
        "Start today, and let your progress inspire you.",
    ],
    titles: ["{t}: Your Next Chapter", "Rise Higher with {t}", "{t}"],
    greetings: ["Hello, friend,", "Hi there,", "Dear reader,"],
    sign_offs: ["With gratitude,", "Warmly,", "All the best,"],
    flavor: [
        "Progress, not perfection, is the goal.",
        "Every small win builds momentum.",
        "You are capable of more than you know.",
    ],
    bang: true,
};

/// Words of a phrase-bank entry, at compile time (entries are ASCII words separated by single
/// spaces, each holding a letter; a test checks this against the analysis' count).
const fn words(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut n, mut in_word) = (0, 0, false);
    while i < b.len() {
        let space = b[i] == b' ';
        if !space && !in_word {
            n += 1;
        }
        in_word = !space;
        i += 1;
    }
    n
}

const fn counts<const N: usize>(bank: [&str; N]) -> [usize; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = words(bank[i]);
        i += 1;
    }
    out
}

/// Words of each [`PREFIXES`] entry.
pub(super) const PREFIX_WORDS: [usize; 7] = counts(PREFIXES);
/// Words of each [`CORES`] entry.
pub(super) const CORE_WORDS: [usize; 20] = counts(CORES);
/// Words of each [`SHORT`] entry.
pub(super) const SHORT_WORDS: [usize; 10] = counts(SHORT);

/// Sentence openers combined with [`CORES`]; 7 is coprime with 20, so 140 distinct pairs
/// come before any repeats.
pub(super) const PREFIXES: [&str; 7] =
    ["", "In practice, ", "For most teams, ", "Over time, ", "Just as important, ", "Put simply, ", "In many cases, "];

/// Tone-neutral body sentences, lowercase first (a prefix or capitalisation comes first).
pub(super) const CORES: [&str; 20] = [
    "a short weekly review keeps the work on track.",
    "clear goals make it easier to say no to the wrong tasks.",
    "small tests show what works before you spend more.",
    "the best results come from steady, simple habits.",
    "it helps to write down what you learn after each step.",
    "customers notice when the message is clear and honest.",
    "a simple plan beats a perfect plan that never starts.",
    "good tools save time, but people still make the key calls.",
    "you can reuse what works and drop what does not.",
    "sharing results with the team keeps everyone aligned.",
    "one clear message is better than five vague ones.",
    "it pays to ask customers what they really need.",
    "checking the numbers each month shows where to focus next.",
    "a clear owner for each task keeps things moving.",
    "quick feedback helps you fix small issues before they grow.",
    "the first version does not need to be perfect.",
    "time spent on planning saves more time later.",
    "simple words make the message easier to trust.",
    "a steady rhythm matters more than one big push.",
    "each small win makes the next step easier.",
];

/// Sentences that put a focus keyword `{k}` to work.
pub(super) const LEADS: [&str; 10] = [
    "{K} is a good place to start.",
    "Start with {k}, because it shapes everything else.",
    "When it comes to {k}, focus on what your customers need.",
    "{K} works best when it has a clear goal behind it.",
    "A clear plan for {k} saves time and avoids guesswork.",
    "Many teams get more from {k} once they measure it.",
    "Think of {k} as a tool, not a goal in itself.",
    "The first step with {k} is to decide what success looks like.",
    "Good {k} starts with a clear picture of your audience.",
    "Keep {k} simple at first, then build on what works.",
];

/// Benefit lines (product descriptions, landing pages) for a focus keyword.
pub(super) const BENEFITS: [&str; 6] = [
    "{K} that saves you time every day.",
    "Get more from {k} with less effort on your part.",
    "{K} that fits the way you already work.",
    "Clear results from {k} that you can see and share.",
    "{K} you can set up in minutes, not weeks.",
    "Peace of mind: your {k} just works.",
];

/// Sentences that name every keyword (`{list}`).
pub(super) const COVERAGE: [&str; 3] =
    ["This piece covers {list}.", "We will look at {list}.", "The focus here is on {list}."];

/// Short sentences (2–4 words) for fine-tuning the length.
pub(super) const SHORT: [&str; 10] = [
    "Keep it simple.",
    "Test and learn.",
    "Small steps add up.",
    "Stay consistent.",
    "Focus on value.",
    "Measure what matters.",
    "Quality beats quantity.",
    "Start where you are.",
    "Listen to your customers.",
    "Progress beats perfection.",
];

/// Section headings for drafts with fewer keywords than sections.
pub(super) const THEMES: [&str; 8] = [
    "Why it matters",
    "Getting started",
    "Common mistakes to avoid",
    "How to measure results",
    "Building the habit",
    "Tools that help",
    "Working as a team",
    "What to do next",
];

/// Headings for a keyword section (`{K}` capitalised keyword).
pub(super) const KEYWORD_HEADINGS: [&str; 4] =
    ["{K}", "Why {k} matters", "Getting {k} right", "Making {k} work for you"];
