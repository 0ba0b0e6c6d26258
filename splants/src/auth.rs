//! API keys: issue, store hashed, verify in constant time, rotate with a grace period, revoke.
//!
//! A key's secret looks like `spl_` followed by 40 base-62 characters (about 238 random bits).
//! Only its SHA-256 hash and its first 12 characters (the *prefix*, to find it) are stored; the
//! secret is shown once, when the key is created or rotated, and never logged. A verification
//! looks the prefix up and compares hashes in constant time. The original app's `API_KEY` is
//! imported at start as an admin key (its hash, not the text); when `API_KEY` changes, the key
//! of the previous value is revoked at the next start.
//!
//! Every key has a stable *identity*. Rotation issues a new secret (a new key id) under the same
//! identity, with the same role, tier, quota, budget, tenant and expiry, so the budget scope
//! (`key:<identity>`), rate-limit cells, library and cache owner, analytics and usage rows are
//! shared by the old and new secrets; rotating never yields a fresh budget or quota. Rotation
//! reserves no budget (a leaked key can always be rotated); a non-admin key may rotate itself
//! [`ROTATIONS_PER_HOUR`] times an hour and give itself at most [`DEFAULT_ROTATION_GRACE`].
//!
//! A caller of the engine is described by a [`RequestContext`] (its key, tier, quota, budgets,
//! tenant); a verified key gives one.
//!
//! Verified keys are remembered for [`VERIFY_CACHE_TTL`] so each request need not read the
//! database; a revocation through this process takes effect at once, through another process
//! within that time.
//!
//! Key records live in a [`KeyStore`]: [`MemoryKeyStore`] keeps them in memory, and the SQLite
//! and Postgres backends implement it too (auth itself depends on no backend).

mod config;
mod context;
mod keys;
pub use config::{AuthConfig, PLACEHOLDER_API_KEY};
mod store;

pub use context::{CallerLeftPolicy, RequestContext};
pub use keys::{
    ApiKeyInfo, ApiKeyRecord, IssuedKey, KeyManager, KeyRole, KeyStatus, NewKey, RotatedKey, VERIFY_CACHE_TTL,
    grace_from_hours,
};
pub use store::{KeyStore, MemoryKeyStore};

use sha2::{Digest, Sha256};

/// Prefix of every secret this crate issues.
pub const SECRET_PREFIX: &str = "spl_";
/// Characters of a secret stored in clear to look it up.
pub const LOOKUP_PREFIX_CHARS: usize = 12;
/// Grace period during which a rotated key keeps working (the original: 24 hours); also the
/// longest grace a non-admin key may give itself.
pub const DEFAULT_ROTATION_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// The longest grace period an admin may give a rotated key (30 days).
pub const MAX_ROTATION_GRACE: std::time::Duration = std::time::Duration::from_secs(720 * 3600);
/// Rotations a non-admin key may ask for per hour, per identity (a burst of this many, then one
/// every 12 minutes): enough to replace a leaked key at once, too few to churn keys.
pub const ROTATIONS_PER_HOUR: u32 = 5;

/// The lookup prefix of a secret (its first 12 characters).
pub fn lookup_prefix(secret: &str) -> String {
    secret.chars().take(LOOKUP_PREFIX_CHARS).collect()
}

/// The stored hash of a secret (SHA-256, hex). Secrets are high-entropy random strings, so a
/// fast hash is enough; a slow password hash would only add latency to every request.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether two hex hashes are equal, in time independent of where they differ.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new random secret (`spl_` + 40 base-62 characters) from the operating system's CSPRNG.
pub fn new_secret() -> crate::Result<String> {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(SECRET_PREFIX.len() + 40);
    out.push_str(SECRET_PREFIX);
    let mut filled = 0;
    while filled < 40 {
        let mut buf = [0_u8; 64];
        getrandom::fill(&mut buf).map_err(|e| crate::Error::internal(format!("no system randomness: {e}")))?;
        for b in buf {
            // Rejection sampling keeps every character equally likely (248 = 4 × 62).
            if b < 248 && filled < 40 {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
                filled += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn secrets_are_random_and_well_formed() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 44);
        assert!(a.starts_with("spl_") && a[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(lookup_prefix(&a).len(), 12);
    }

    #[test]
    fn hash_compare() {
        let h = hash_secret("spl_abc");
        assert_eq!(h.len(), 64);
        assert!(hashes_equal(&h, &hash_secret("spl_abc")));
        assert!(!hashes_equal(&h, &hash_secret("spl_abd")));
        assert!(!hashes_equal(&h, "short"));
    }
}

#[cfg(test)]
mod tests;
