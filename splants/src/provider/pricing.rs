//! Model prices and the cost formula.
//!
//! Prices are USD per million tokens for the standard tier, compiled on 2026-11-25 from the
//! providers' published price pages (see `shared/design/PRICING.md` in the project history).
//! Where sources disagreed the higher figure is used, so a budget is over- rather than
//! under-estimated. Any entry can be overridden and new models added through
//! [`PriceTable::insert`] or the `SPLANTS_PRICES` setting.
//!
//! # Cost of a call
//! ```text
//! cost = input·P_in + cached·P_cached + write·P_write + write_long·P_write_long + output·P_out
//! ```
//! with the usage normalised by the provider adapters (see [`Usage`]): plain input excludes
//! cache reads and writes. A model's long-context band (e.g. OpenAI's 272K rule, Anthropic
//! Haiku 5.5 above 100K) scales every rate of the *whole* request when the prompt is above the
//! threshold. The reported service tier scales the result (`batch`/`flex` ×0.5,
//! `priority`/`fast` ×2) and Anthropic's `inference_geo == "us"` ×1.1. OpenAI does not report
//! the retention of a cache write, so OpenAI writes are priced at the 12-hour rate (fail-safe).
//!
//! # Worst case of a call (the budget reservation)
//! ```text
//! worst = prompt_upper_bound · max(P_in, P_cached, P_write, P_write_long) + max_tokens · P_out
//! ```
//! scaled by the long-context band when the prompt bound is above its threshold. As long as
//! the provider bills no more than `max_tokens` output tokens and the prompt bound holds, the
//! actual cost can never exceed this figure.

use super::{BillingTarget, Completion, Usage};
use crate::error::{Error, Result};
use crate::money::{PerMillion, Usd, picos_to_usd};
use serde::Deserialize;
use std::collections::HashMap;

/// Long-context pricing: above `above_prompt_tokens` the whole request pays scaled rates.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LongContext {
    /// Prompt size (all input classes) above which the band applies.
    pub above_prompt_tokens: u64,
    /// Multiplier on every input-class rate, as (numerator, denominator).
    pub input_scale: (u64, u64),
    /// Multiplier on the output rate, as (numerator, denominator).
    pub output_scale: (u64, u64),
}

/// One model's prices.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PriceCard {
    /// Plain input tokens.
    pub input: PerMillion,
    /// Input tokens read from the prompt cache.
    pub cached_input: PerMillion,
    /// Cache writes with the short retention (Anthropic 5 min, OpenAI 30 min).
    pub cache_write: PerMillion,
    /// Cache writes with the long retention (Anthropic 1 h, OpenAI 12 h).
    pub cache_write_long: PerMillion,
    /// Output tokens (reasoning included).
    pub output: PerMillion,
    /// Long-context band, if the model has one.
    pub long_context: Option<LongContext>,
}

impl PriceCard {
    /// A card with the given input and output prices in dollars per million tokens; cached
    /// input and cache writes are priced as plain input. `None` for negative/non-finite prices.
    pub fn new(input: f64, output: f64) -> Option<Self> {
        let input = PerMillion::from_dollars(input)?;
        Some(PriceCard {
            input,
            cached_input: input,
            cache_write: input,
            cache_write_long: input,
            output: PerMillion::from_dollars(output)?,
            long_context: None,
        })
    }

    /// A card for a model that costs nothing (a local Ollama model, say).
    pub fn free() -> Self {
        PriceCard {
            input: PerMillion::ZERO,
            cached_input: PerMillion::ZERO,
            cache_write: PerMillion::ZERO,
            cache_write_long: PerMillion::ZERO,
            output: PerMillion::ZERO,
            long_context: None,
        }
    }

    fn band(&self, prompt_tokens: u64) -> PriceCard {
        match self.long_context {
            Some(lc) if prompt_tokens > lc.above_prompt_tokens => {
                let (i_n, i_d) = lc.input_scale;
                let (o_n, o_d) = lc.output_scale;
                PriceCard {
                    input: self.input.scaled(i_n, i_d),
                    cached_input: self.cached_input.scaled(i_n, i_d),
                    cache_write: self.cache_write.scaled(i_n, i_d),
                    cache_write_long: self.cache_write_long.scaled(i_n, i_d),
                    output: self.output.scaled(o_n, o_d),
                    long_context: None,
                }
            }
            _ => *self,
        }
    }

    /// Exact cost of `usage` at this card's rates (long-context band applied), before
    /// service-tier and region multipliers.
    pub fn cost(&self, usage: &Usage) -> Usd {
        let p = self.band(usage.prompt_tokens());
        picos_to_usd(
            p.input.picos(usage.input_tokens)
                + p.cached_input.picos(usage.cached_tokens)
                + p.cache_write.picos(usage.cache_write_tokens)
                + p.cache_write_long.picos(usage.cache_write_long_tokens)
                + p.output.picos(usage.output_tokens),
        )
    }

    /// Worst-case cost of a call with at most `prompt_tokens` prompt tokens and
    /// `max_output` output tokens.
    pub fn worst_case(&self, prompt_tokens: u64, max_output: u64) -> Usd {
        let p = self.band(prompt_tokens);
        let dearest_input = p.input.max(p.cached_input).max(p.cache_write).max(p.cache_write_long);
        picos_to_usd(dearest_input.picos(prompt_tokens) + p.output.picos(max_output))
    }
}

/// Prices by model id.
#[derive(Clone, Debug, Default)]
pub struct PriceTable {
    cards: HashMap<String, PriceCard>,
}

/// A price override as written in `SPLANTS_PRICES` (dollars per million tokens).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceOverride {
    input: f64,
    output: f64,
    #[serde(default)]
    cached_input: Option<f64>,
    #[serde(default)]
    cache_write: Option<f64>,
    #[serde(default)]
    cache_write_long: Option<f64>,
}

impl PriceTable {
    /// An empty table.
    pub fn empty() -> Self {
        PriceTable::default()
    }

    /// The built-in table of current OpenAI and Anthropic models.
    pub fn builtin() -> Self {
        let mut t = PriceTable::empty();
        for row in OPENAI {
            let card = openai_card(row);
            for id in row.ids {
                t.cards.insert((*id).to_owned(), card);
            }
        }
        for row in ANTHROPIC {
            let card = anthropic_card(row);
            for id in row.ids {
                t.cards.insert((*id).to_owned(), card);
            }
        }
        t
    }

    /// Adds or replaces a model's card.
    pub fn insert(&mut self, model: impl Into<String>, card: PriceCard) {
        self.cards.insert(model.into().to_ascii_lowercase(), card);
    }

    /// Number of model ids in the table.
    pub fn len(&self) -> usize {
        self.cards.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }

    /// Applies overrides from JSON such as
    /// `{"llama3.1": {"input": 0, "output": 0}, "gpt-4o": {"input": 2.5, "output": 10, "cached_input": 1.25}}`.
    pub fn apply_overrides_json(&mut self, json: &str) -> Result<()> {
        let parsed: HashMap<String, PriceOverride> = serde_json::from_str(json)
            .map_err(|e| Error::config("SPLANTS_PRICES", format!("not a JSON object of model prices: {e}")))?;
        for (model, o) in parsed {
            let field = format!("SPLANTS_PRICES.{model}");
            let price = |v: f64, what: &str| {
                PerMillion::from_dollars(v).ok_or_else(|| {
                    Error::config(field.clone(), format!("{what} price {v} must be a finite number >= 0"))
                })
            };
            let input = price(o.input, "input")?;
            let card = PriceCard {
                input,
                cached_input: o.cached_input.map(|v| price(v, "cached_input")).transpose()?.unwrap_or(input),
                cache_write: o.cache_write.map(|v| price(v, "cache_write")).transpose()?.unwrap_or(input),
                cache_write_long: o
                    .cache_write_long
                    .map(|v| price(v, "cache_write_long"))
                    .transpose()?
                    .unwrap_or(input),
                output: price(o.output, "output")?,
                long_context: None,
            };
            self.insert(model, card);
        }
        Ok(())
    }

    /// The card for `model`: exact id, then without a date suffix (`-2024-08-06`,
    /// `-20250929`), then without a `vendor/` prefix. Never matches by prefix, so
    /// `gpt-5.4-mini` is not priced as `gpt-5.4`.
    pub fn get(&self, model: &str) -> Option<&PriceCard> {
        let lower = model.trim().to_ascii_lowercase();
        let mut candidates = vec![lower.clone()];
        if let Some((_, rest)) = lower.split_once('/') {
            candidates.push(rest.to_owned());
        }
        let with_stripped: Vec<String> = candidates.iter().filter_map(|c| strip_date(c)).collect();
        candidates.extend(with_stripped);
        candidates.iter().find_map(|c| self.cards.get(c))
    }

    /// The card for `model`, or a configuration error saying how to add one.
    pub fn require(&self, model: &str) -> Result<&PriceCard> {
        self.get(model).ok_or_else(|| {
            Error::config(
                "SPLANTS_PRICES",
                format!(
                    "no price known for model `{model}`; add one (dollars per 1M tokens), e.g. \
                     SPLANTS_PRICES='{{\"{model}\": {{\"input\": 0.5, \"output\": 1.5}}}}' — \
                     an unpriced model would make the budget blind"
                ),
            )
        })
    }

    /// What a finished call cost: card cost × service tier × region.
    pub fn completion_cost(&self, completion: &Completion) -> Result<Usd> {
        let card = self.require(&completion.model)?;
        let base = card.cost(&completion.usage);
        let (mut num, mut den) = (1_u64, 1_u64);
        match completion.service_tier.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("batch" | "flex") => den *= 2,
            Some("priority" | "fast") => num *= 2,
            _ => {}
        }
        if completion.inference_geo.as_deref().is_some_and(|g| g.eq_ignore_ascii_case("us")) {
            num *= 11;
            den *= 10;
        }
        let nanos = u128::try_from(base.nanos().max(0)).unwrap_or(0) * num as u128;
        let scaled = nanos.div_ceil(den as u128);
        Ok(Usd::from_nanos(i64::try_from(scaled).unwrap_or(i64::MAX)))
    }

    /// Worst-case cost of a call to `target` with `max_output` output tokens.
    pub fn worst_case(&self, target: &BillingTarget, max_output: u32) -> Result<Usd> {
        Ok(self.require(&target.model)?.worst_case(target.input_tokens, u64::from(max_output)))
    }
}

fn strip_date(model: &str) -> Option<String> {
    let bytes = model.as_bytes();
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let n = bytes.len();
    // -YYYY-MM-DD
    if n > 11 && bytes[n - 11] == b'-' && bytes[n - 6] == b'-' && bytes[n - 3] == b'-' {
        let (y, m, d) = (&bytes[n - 10..n - 6], &bytes[n - 5..n - 3], &bytes[n - 2..]);
        if all_digits(y) && all_digits(m) && all_digits(d) {
            return Some(model[..n - 11].to_owned());
        }
    }
    // -YYYYMMDD
    if n > 9 && bytes[n - 9] == b'-' && all_digits(&bytes[n - 8..]) {
        return Some(model[..n - 9].to_owned());
    }
    None
}

/// OpenAI row: input, cached input, cache write (30-min; `None` = no write charge, i.e. the
/// plain input rate), output, 12-hour write (`None` = 2.5 × input when writes are billed),
/// and whether the 272K long-context band applies.
struct OpenAiRow {
    ids: &'static [&'static str],
    input: f64,
    cached: f64,
    write: Option<f64>,
    output: f64,
    write_12h: Option<f64>,
    long_272k: bool,
}

struct AnthropicRow {
    ids: &'static [&'static str],
    input: f64,
    write_5m: f64,
    write_1h: f64,
    read: f64,
    output: f64,
    long_context: Option<LongContext>,
}

fn per_m(d: f64) -> PerMillion {
    PerMillion::from_dollars(d).unwrap_or(PerMillion::ZERO)
}

fn openai_card(r: &OpenAiRow) -> PriceCard {
    let input = per_m(r.input);
    let (write, write_long) = match r.write {
        None => (input, input),
        Some(w) => (per_m(w), per_m(r.write_12h.unwrap_or(r.input * 2.5))),
    };
    PriceCard {
        input,
        cached_input: per_m(r.cached),
        cache_write: write,
        cache_write_long: write_long,
        output: per_m(r.output),
        long_context: r.long_272k.then_some(LongContext {
            above_prompt_tokens: 272_000,
            input_scale: (2, 1),
            output_scale: (3, 2),
        }),
    }
}

fn anthropic_card(r: &AnthropicRow) -> PriceCard {
    PriceCard {
        input: per_m(r.input),
        cached_input: per_m(r.read),
        cache_write: per_m(r.write_5m),
        cache_write_long: per_m(r.write_1h),
        output: per_m(r.output),
        long_context: r.long_context,
    }
}

const fn oa(
    ids: &'static [&'static str],
    input: f64,
    cached: f64,
    write: Option<f64>,
    output: f64,
    write_12h: Option<f64>,
    long_272k: bool,
) -> OpenAiRow {
    OpenAiRow { ids, input, cached, write, output, write_12h, long_272k }
}

const fn an(
    ids: &'static [&'static str],
    input: f64,
    write_5m: f64,
    write_1h: f64,
    read: f64,
    output: f64,
) -> AnthropicRow {
    AnthropicRow { ids, input, write_5m, write_1h, read, output, long_context: None }
}

#[rustfmt::skip]
const OPENAI: &[OpenAiRow] = &[
    oa(&["gpt-4o"], 2.50, 1.25, None, 10.00, None, false),
    oa(&["gpt-4o-2024-05-13"], 5.00, 5.00, None, 15.00, None, false),
    oa(&["gpt-4o-mini"], 0.15, 0.075, None, 0.60, None, false),
    oa(&["gpt-4.1"], 2.00, 0.50, None, 8.00, None, false),
    oa(&["gpt-4.1-mini"], 0.40, 0.10, None, 1.60, None, false),
    oa(&["gpt-4.1-nano"], 0.10, 0.025, None, 0.40, None, false),
    oa(&["o3"], 2.00, 0.50, None, 8.00, None, false),
    oa(&["o4-mini"], 1.10, 0.275, None, 4.40, None, false),
    oa(&["gpt-5"], 1.25, 0.125, None, 10.00, None, false),
    oa(&["gpt-5-mini"], 0.25, 0.025, None, 2.00, None, false),
    oa(&["gpt-5-nano"], 0.05, 0.005, None, 0.40, None, false),
    oa(&["gpt-5.1"], 1.25, 0.125, None, 10.00, None, false),
    oa(&["gpt-5.2"], 1.75, 0.175, None, 14.00, None, false),
    oa(&["gpt-5.4"], 2.50, 0.25, None, 15.00, None, true),
    // LiteLLM lacks the 272K band for 5.4-mini/nano; applied anyway (higher figure).
    oa(&["gpt-5.4-mini"], 0.75, 0.075, None, 4.50, None, true),
    oa(&["gpt-5.4-nano"], 0.20, 0.02, None, 1.25, None, true),
    oa(&["gpt-5.5"], 5.00, 0.50, None, 30.00, None, true),
    // The promotional $4/$20 ended 2026-11-21; list prices apply.
    oa(&["gpt-5.6-sol", "gpt-5.6"], 5.00, 0.50, Some(6.25), 30.00, None, true),
    oa(&["gpt-5.6-terra"], 2.00, 0.20, Some(2.50), 12.00, None, true),
    oa(&["gpt-5.6-luna"], 0.20, 0.02, Some(0.25), 1.20, None, true),
    oa(&["gpt-6-astra"], 10.00, 1.00, Some(12.50), 50.00, None, true),
    oa(&["gpt-6-sol"], 2.00, 0.20, Some(2.50), 10.00, None, true),
    oa(&["gpt-6-luna"], 0.10, 0.01, Some(0.125), 0.50, None, true),
    oa(&["gpt-6.1-sol"], 2.00, 0.10, Some(2.50), 10.00, None, true),
    oa(&["gpt-6.1-terra"], 1.00, 0.05, Some(1.25), 5.00, Some(2.50), true),
    oa(&["gpt-6.2-sol"], 2.00, 0.10, Some(2.50), 10.00, Some(5.00), true),
    // Cached/write only stated loosely; the safe upper bounds are used.
    oa(&["gpt-6.2-astra"], 8.00, 1.00, Some(12.50), 40.00, None, true),
];

const SONNET_45_LONG: LongContext =
    LongContext { above_prompt_tokens: 200_000, input_scale: (2, 1), output_scale: (3, 2) };
const HAIKU_55_LONG: LongContext =
    LongContext { above_prompt_tokens: 100_000, input_scale: (5, 1), output_scale: (5, 1) };

#[rustfmt::skip]
const ANTHROPIC: &[AnthropicRow] = &[
    an(&["claude-3-5-haiku", "claude-3-5-haiku-latest"], 0.80, 1.00, 1.60, 0.08, 4.00),
    an(&["claude-3-7-sonnet", "claude-3-7-sonnet-latest"], 3.00, 3.75, 6.00, 0.30, 15.00),
    an(&["claude-sonnet-4", "claude-sonnet-4-0"], 3.00, 3.75, 6.00, 0.30, 15.00),
    an(&["claude-opus-4", "claude-opus-4-0"], 15.00, 18.75, 30.00, 1.50, 75.00),
    an(&["claude-opus-4-1"], 15.00, 18.75, 30.00, 1.50, 75.00),
    AnthropicRow { ids: &["claude-sonnet-4-5"], input: 3.00, write_5m: 3.75, write_1h: 6.00, read: 0.30, output: 15.00, long_context: Some(SONNET_45_LONG) },
    an(&["claude-haiku-4-5"], 1.00, 1.25, 2.00, 0.10, 5.00),
    an(&["claude-opus-4-5"], 5.00, 6.25, 10.00, 0.50, 25.00),
    an(&["claude-opus-4-6"], 5.00, 6.25, 10.00, 0.50, 25.00),
    an(&["claude-sonnet-4-6"], 3.00, 3.75, 6.00, 0.30, 15.00),
    an(&["claude-opus-4-7"], 5.00, 6.25, 10.00, 0.50, 25.00),
    an(&["claude-opus-4-8"], 5.00, 6.25, 10.00, 0.50, 25.00),
    an(&["claude-opus-5"], 5.00, 6.25, 10.00, 0.50, 25.00),
    an(&["claude-sonnet-5"], 2.00, 2.50, 4.00, 0.20, 10.00),
    an(&["claude-opus-5-5"], 4.00, 5.00, 8.00, 0.20, 20.00),
    // Cache read cut to $0.10 on 2026-10-07 per trackers; the higher $0.20 is kept.
    an(&["claude-sonnet-5-5"], 2.00, 2.50, 4.00, 0.20, 10.00),
    AnthropicRow { ids: &["claude-haiku-5-5"], input: 0.10, write_5m: 0.125, write_1h: 0.20, read: 0.01, output: 0.50, long_context: Some(HAIKU_55_LONG) },
    an(&["claude-fable-5", "claude-mythos-5"], 10.00, 12.50, 20.00, 1.00, 50.00),
    an(&["claude-fable-5-1", "claude-mythos-5-1"], 10.00, 12.50, 20.00, 0.25, 50.00),
    an(&["claude-fable-5-2"], 8.00, 10.00, 16.00, 0.20, 40.00),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::FinishReason;
    use std::time::Duration;

    fn completion(model: &str, usage: Usage) -> Completion {
        Completion {
            text: String::new(),
            usage,
            finish_reason: FinishReason::Stop,
            model: model.into(),
            provider: "test".into(),
            service_tier: None,
            inference_geo: None,
            latency: Duration::ZERO,
        }
    }

    #[test]
    fn dated_snapshots_and_exact_ids() {
        let t = PriceTable::builtin();
        assert_eq!(t.get("gpt-4o-2024-08-06"), t.get("gpt-4o"));
        assert_ne!(t.get("gpt-4o-2024-05-13"), t.get("gpt-4o"));
        assert_eq!(t.get("claude-sonnet-4-5-20250929"), t.get("claude-sonnet-4-5"));
        assert_eq!(t.get("openai/gpt-4o-mini"), t.get("gpt-4o-mini"));
        assert!(t.get("gpt-5.5-pro").is_none(), "no prefix matching");
        assert_ne!(t.get("gpt-5.4-mini"), t.get("gpt-5.4"));
        let err = t.require("llama3.1").unwrap_err();
        assert_eq!(err.code().as_str(), "config_error");
        assert!(err.to_string().contains("llama3.1"));
    }

    #[test]
    fn openai_cost_with_cached_tokens() {
        // gpt-4o: 1000 prompt tokens of which 400 cached, 500 output:
        // 600 × 2.50 + 400 × 1.25 + 500 × 10.00 = 1500 + 500 + 5000 = $0.007000
        let t = PriceTable::builtin();
        let usage = Usage { input_tokens: 600, cached_tokens: 400, output_tokens: 500, ..Usage::default() };
        let cost = t.completion_cost(&completion("gpt-4o-2024-11-20", usage)).unwrap();
        assert_eq!(cost, Usd::from_nanos(7_000_000));
    }

    #[test]
    fn anthropic_cost_with_cache_writes_and_reads() {
        // claude-sonnet-4-5: 100 input, 1000 5m-write, 2000 1h-write, 5000 read, 300 output
        // = 100×3 + 1000×3.75 + 2000×6 + 5000×0.30 + 300×15 = 300+3750+12000+1500+4500 = 22050 µ$
        let t = PriceTable::builtin();
        let usage = Usage {
            input_tokens: 100,
            cache_write_tokens: 1000,
            cache_write_long_tokens: 2000,
            cached_tokens: 5000,
            output_tokens: 300,
            ..Usage::default()
        };
        let cost = t.completion_cost(&completion("claude-sonnet-4-5-20250929", usage)).unwrap();
        assert_eq!(cost, Usd::from_nanos(22_050_000));
    }

    #[test]
    fn long_context_band_scales_whole_request() {
        let t = PriceTable::builtin();
        let card = t.get("gpt-5.4").unwrap();
        let small = Usage { input_tokens: 272_000, output_tokens: 1000, ..Usage::default() };
        let big = Usage { input_tokens: 272_001, output_tokens: 1000, ..Usage::default() };
        // 272000 × 2.50 + 1000 × 15 = 0.68 + 0.015
        assert_eq!(card.cost(&small), Usd::from_nanos(695_000_000));
        // 272001 × 5.00 + 1000 × 22.50 = 1.360005 + 0.0225
        assert_eq!(card.cost(&big), Usd::from_nanos(1_382_505_000));
        let haiku = t.get("claude-haiku-5-5").unwrap();
        let u = Usage { input_tokens: 50_000, cached_tokens: 50_001, output_tokens: 10, ..Usage::default() };
        // ×5: 50000×0.50 + 50001×0.05 + 10×2.50 = 25000 + 2500.05 + 25 = 27525.05 µ$ → 27525050 n$
        assert_eq!(haiku.cost(&u), Usd::from_nanos(27_525_050));
    }

    #[test]
    fn tiers_and_geo_multiply() {
        let t = PriceTable::builtin();
        let usage = Usage { input_tokens: 1000, output_tokens: 1000, ..Usage::default() };
        let mut c = completion("claude-opus-4-6", usage);
        let base = t.completion_cost(&c).unwrap(); // 1000×5 + 1000×25 = 30000 µ$
        assert_eq!(base, Usd::from_nanos(30_000_000));
        c.inference_geo = Some("us".into());
        assert_eq!(t.completion_cost(&c).unwrap(), Usd::from_nanos(33_000_000));
        c.inference_geo = None;
        c.service_tier = Some("batch".into());
        assert_eq!(t.completion_cost(&c).unwrap(), Usd::from_nanos(15_000_000));
    }

    #[test]
    fn worst_case_bounds_any_usage_within_limits() {
        let t = PriceTable::builtin();
        for model in ["gpt-4o", "gpt-5.6-sol", "gpt-6.2-astra", "claude-sonnet-4-5", "claude-haiku-5-5"] {
            let card = t.get(model).unwrap();
            for prompt in [0_u64, 1000, 99_999, 150_000, 300_000] {
                let worst = card.worst_case(prompt, 4000);
                // Split the prompt every way across the classes: the cost never exceeds the bound.
                for split in 0..=4_u64 {
                    let part = prompt / 4;
                    let mut u = Usage { output_tokens: 4000, ..Usage::default() };
                    match split {
                        0 => u.input_tokens = prompt,
                        1 => u.cached_tokens = prompt,
                        2 => u.cache_write_tokens = prompt,
                        3 => u.cache_write_long_tokens = prompt,
                        _ => {
                            u.input_tokens = part;
                            u.cached_tokens = part;
                            u.cache_write_tokens = part;
                            u.cache_write_long_tokens = prompt - 3 * part;
                        }
                    }
                    assert!(card.cost(&u) <= worst, "{model} prompt {prompt} split {split}");
                }
            }
        }
    }

    #[test]
    fn overrides() {
        let mut t = PriceTable::builtin();
        t.apply_overrides_json(r#"{"llama3.1": {"input": 0, "output": 0}, "gpt-4o": {"input": 3, "output": 12}}"#)
            .unwrap();
        assert_eq!(t.require("llama3.1").unwrap().output, PerMillion::ZERO);
        assert_eq!(t.get("gpt-4o").unwrap().input.dollars(), 3.0);
        let err = t.apply_overrides_json(r#"{"m": {"input": -1, "output": 0}}"#).unwrap_err();
        assert!(err.to_string().contains("SPLANTS_PRICES.m"), "{err}");
        assert!(t.apply_overrides_json("[1]").is_err());
    }
}
