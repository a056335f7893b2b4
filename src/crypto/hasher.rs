//! Argon2id hashing with parameters from the config, never below OWASP's
//! floor (m=19456 KiB, t=2, p=1). Every call is CPU-heavy: the service runs
//! them on its hashing threads (crypto/pool.rs), one per core.
//!
//! Each thread keeps its Argon2 working memory (19 MiB at the floor) from
//! one hash to the next instead of allocating it every time: a fresh
//! allocation is returned to the kernel when freed, so every hash paid for
//! faulting in 4,864 zeroed pages. `benches/keyward.rs` measures both. The
//! memory holds no password, only Argon2's internal state; it is zeroed
//! when its thread has been idle a while (`release_thread_memory`) or ends.

use crate::domain::Password;
use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

thread_local! {
    /// This thread's Argon2 working memory, grown to the largest hash seen.
    static BLOCKS: RefCell<Zeroizing<Vec<Block>>> = RefCell::new(Zeroizing::new(Vec::new()));
}

/// Frees this thread's Argon2 working memory, zeroed first (the hashing
/// threads call it when they have been idle a while: crypto/pool.rs). The
/// blocks derive from the last password hashed, and one hash with a
/// larger memory cost than the live parameters grows them for good.
pub fn release_thread_memory() {
    BLOCKS.with_borrow_mut(|blocks| *blocks = Zeroizing::new(Vec::new()));
}

/// Runs Argon2 into `out` with this thread's kept working memory.
fn hash_into(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    BLOCKS.with_borrow_mut(|blocks| {
        let need = argon2.params().block_count();
        if blocks.len() < need {
            blocks.resize(need, Block::default());
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut blocks[..need])
            .is_ok()
    })
}

/// Argon2 of `password` with the algorithm, parameters and salt of `parsed`,
/// compared with its hash in constant time. `None` if `parsed` is not a
/// usable Argon2 hash.
fn verify_parsed(parsed: &PasswordHash<'_>, password: &[u8]) -> Option<bool> {
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = Zeroizing::new(vec![0u8; expected.len()]);
    if !hash_into(&argon2, password, salt, &mut out) {
        return None;
    }
    Some(out.ct_eq(expected.as_bytes()).into())
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashParams {
    /// OWASP's minimum for Argon2id.
    pub const FLOOR: HashParams = HashParams {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Refuses parameters below the floor, naming the one that is too low.
    pub fn check(&self) -> Result<()> {
        let f = Self::FLOOR;
        let low = |what: &str, got: u32, min: u32| {
            Err(Error::Invalid(format!(
                "argon2.{what} = {got} is below OWASP's minimum of {min}; raise it in the config"
            )))
        };
        if self.memory_kib < f.memory_kib {
            return low("memory_kib", self.memory_kib, f.memory_kib);
        }
        if self.iterations < f.iterations {
            return low("iterations", self.iterations, f.iterations);
        }
        if self.parallelism < f.parallelism {
            return low("parallelism", self.parallelism, f.parallelism);
        }
        if self.memory_kib > 4 * 1024 * 1024 || self.iterations > 100 || self.parallelism > 64 {
            return Err(Error::Invalid(
                "argon2 parameters are implausibly large (at most 4 GiB, 100 iterations, 64 lanes)"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::FLOOR
    }
}

/// Hashes and verifies passwords with the live parameters.
pub struct Hasher {
    argon2: Argon2<'static>,
    params: HashParams,
    /// A hash of a random password with the live parameters: branches that
    /// have no real hash verify against it so they take the same time.
    /// Made once, by [`Hasher::prepare`] (a service starts it in the
    /// background) or by the first branch that needs it.
    dummy: std::sync::OnceLock<String>,
    /// Argon2 runs made (hashes and verifications), for tests and metrics.
    runs: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("params", &self.params)
            .finish()
    }
}

impl Hasher {
    pub fn new(params: HashParams) -> Result<Hasher> {
        params.check()?;
        let p = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| Error::Invalid(format!("argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
        Ok(Hasher {
            argon2,
            params,
            dummy: std::sync::OnceLock::new(),
            runs: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Makes the dummy hash now (one Argon2 run, not counted in `runs`), so
    /// that no sign-in waits for it, and returns it. A call while another
    /// makes it waits for that one.
    pub fn prepare(&self) -> &str {
        self.dummy()
    }

    /// Takes `phc` as the dummy hash (one kept in the database, so that a
    /// fresh process need not make its own: service/calibration.rs) if it
    /// is an Argon2id hash with exactly the live parameters, and no dummy
    /// was made yet. Whether it is the dummy now.
    pub fn adopt_dummy(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let get = |name: &str| parsed.params.get_decimal(name);
        let live = parsed.algorithm.as_str() == "argon2id"
            && parsed.version == Some(Version::V0x13.into())
            && get("m") == Some(self.params.memory_kib)
            && get("t") == Some(self.params.iterations)
            && get("p") == Some(self.params.parallelism)
            && parsed.salt.is_some()
            && parsed.hash.is_some();
        live && (self.dummy.set(phc.to_string()).is_ok()
            || self.dummy.get().map(String::as_str) == Some(phc))
    }

    fn dummy(&self) -> &str {
        self.dummy.get_or_init(|| {
            let random = super::tokens::random_token();
            // A fresh allocation: the thread that makes it need not keep
            // Argon2 memory it may never use again. Valid parameters
            // (checked in `new`) cannot fail to hash; if they ever did,
            // `burn_uncounted` still spends one run.
            self.hash_allocating_uncounted(random.as_bytes())
                .unwrap_or_default()
        })
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    /// The live parameters as one key ("m=19456,t=2,p=1").
    pub fn params_key(&self) -> String {
        let p = self.params;
        format!("m={},t={},p={}", p.memory_kib, p.iterations, p.parallelism)
    }

    /// How many Argon2 runs (hashes and verifications) this hasher has made.
    pub fn runs(&self) -> u64 {
        self.runs.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count_run(&self) {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// A PHC string with a fresh random salt.
    pub fn hash(&self, password: &Password) -> Result<String> {
        self.count_run();
        let salt = SaltString::generate(&mut OsRng);
        let mut raw = [0u8; 64];
        let salt_bytes = salt
            .as_salt()
            .decode_b64(&mut raw)
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))?;
        let mut out = Zeroizing::new([0u8; Params::DEFAULT_OUTPUT_LEN]);
        if !hash_into(
            &self.argon2,
            password.expose().as_bytes(),
            salt_bytes,
            &mut out[..],
        ) {
            return Err(Error::Internal("hashing failed".into()));
        }
        let output = argon2::password_hash::Output::new(&out[..])
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))?;
        let params = argon2::password_hash::ParamsString::try_from(self.argon2.params())
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))?;
        Ok(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        }
        .to_string())
    }

    /// The same hash with the allocating Argon2 call (a fresh 19 MiB per
    /// hash), for the benchmark that compares it with kept memory.
    pub fn hash_allocating(&self, password: &Password) -> Result<String> {
        self.count_run();
        self.hash_allocating_uncounted(password.expose().as_bytes())
    }

    fn hash_allocating_uncounted(&self, password: &[u8]) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2
            .hash_password(password, &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
    }

    /// Whether `password` matches `phc`. A malformed stored hash verifies
    /// against the dummy instead (same cost) and answers false.
    pub fn verify(&self, phc: &str, password: &Password) -> bool {
        self.count_run();
        let verdict = PasswordHash::new(phc)
            .ok()
            .and_then(|parsed| verify_parsed(&parsed, password.expose().as_bytes()));
        match verdict {
            Some(matched) => matched,
            None => {
                self.burn_uncounted(password);
                false
            }
        }
    }

    /// One verification against the dummy hash, for branches with no real one.
    pub fn burn(&self, password: &Password) {
        self.count_run();
        self.burn_uncounted(password);
    }

    fn burn_uncounted(&self, password: &Password) {
        match PasswordHash::new(self.dummy()) {
            Ok(parsed) => {
                let _ = verify_parsed(&parsed, password.expose().as_bytes());
            }
            Err(_) => {
                let mut out = Zeroizing::new([0u8; Params::DEFAULT_OUTPUT_LEN]);
                let _ = hash_into(
                    &self.argon2,
                    password.expose().as_bytes(),
                    b"keyward dummy salt",
                    &mut out[..],
                );
            }
        }
    }

    /// Whether `password` matches any of the first `runs` of `hashes`, in
    /// exactly `runs` runs: a missing hash is made up by a run against the
    /// dummy, and every one is checked (the time does not tell which
    /// matched, or how many hashes there were).
    pub fn matches_any_of(&self, hashes: &[String], runs: usize, password: &Password) -> bool {
        (0..runs).fold(false, |hit, i| match hashes.get(i) {
            Some(phc) => self.verify(phc, password) | hit,
            None => {
                self.burn(password);
                hit
            }
        })
    }

    /// Whether a stored hash is weaker than the live parameters (or not
    /// Argon2id at all) and should be replaced at the next sign-in.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        if parsed.algorithm.as_str() != "argon2id" {
            return true;
        }
        let get = |name: &str| parsed.params.get_decimal(name).unwrap_or(0);
        get("m") < self.params.memory_kib
            || get("t") < self.params.iterations
            || get("p") < self.params.parallelism
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_enforced() {
        let low = HashParams {
            memory_kib: 4096,
            iterations: 2,
            parallelism: 1,
        };
        let err = Hasher::new(low).unwrap_err().to_string();
        assert!(err.contains("memory_kib") && err.contains("19456"), "{err}");
    }

    #[test]
    fn idle_threads_give_their_memory_back() {
        let h = Hasher::new(HashParams::FLOOR).unwrap();
        let pw = Password::from("correct horse battery staple");
        let phc = h.hash(&pw).unwrap();
        assert!(h.verify(&phc, &pw));
        let kept = BLOCKS.with_borrow(|b| b.len());
        assert_eq!(
            kept,
            HashParams::FLOOR.memory_kib as usize,
            "one 1 KiB block per KiB"
        );
        release_thread_memory();
        assert_eq!(BLOCKS.with_borrow(|b| b.capacity()), 0);
        // The next verification grows it again.
        assert!(h.verify(&phc, &pw));
        assert_eq!(BLOCKS.with_borrow(|b| b.len()), kept);
    }

    #[test]
    fn hash_verify_rehash() {
        let h = Hasher::new(HashParams::FLOOR).unwrap();
        let pw = Password::from("correct horse battery staple");
        let a = h.hash(&pw).unwrap();
        let b = h.hash(&pw).unwrap();
        assert_ne!(a, b, "fresh salt each time");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(&a, &pw));
        assert!(!h.verify(&a, &Password::from("Correct horse battery staple")));
        // Both ways of hashing make hashes the other verifies.
        let c = h.hash_allocating(&pw).unwrap();
        assert!(h.verify(&c, &pw));
        use argon2::PasswordVerifier;
        let parsed = PasswordHash::new(&a).unwrap();
        assert!(
            Argon2::default()
                .verify_password(pw.expose().as_bytes(), &parsed)
                .is_ok(),
            "kept-memory hashes are standard Argon2id"
        );
        // A hash made elsewhere with other parameters (t=3, 16-byte output).
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19_456, 3, 1, Some(16)).unwrap(),
        )
        .hash_password(pw.expose().as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(h.verify(&other, &pw));
        assert!(!h.verify(&other, &Password::from("nope")));
        assert!(!h.verify("not a hash", &pw));
        assert!(!h.needs_rehash(&a));
        let stronger = Hasher::new(HashParams {
            iterations: 3,
            ..HashParams::FLOOR
        })
        .unwrap();
        assert!(stronger.needs_rehash(&a));
        assert!(
            stronger.verify(&a, &pw),
            "old hashes still verify with their own parameters"
        );
    }
}
