//! Argon2id hashing with parameters from the config, never below OWASP's
//! floor (m=19456 KiB, t=2, p=1). Every call is CPU-heavy: the service runs
//! them on tokio's blocking pool.

use crate::domain::Password;
use crate::error::{Error, Result};
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
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
    dummy: String,
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
        let mut hasher = Hasher {
            argon2,
            params,
            dummy: String::new(),
        };
        let random = super::tokens::random_token();
        hasher.dummy = hasher.hash(&Password::new(random.to_string()))?;
        Ok(hasher)
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    /// A PHC string with a fresh random salt.
    pub fn hash(&self, password: &Password) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
    }

    /// Whether `password` matches `phc`. A malformed stored hash verifies
    /// against the dummy instead (same cost) and answers false.
    pub fn verify(&self, phc: &str, password: &Password) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => self
                .argon2
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok(),
            Err(_) => {
                self.burn(password);
                false
            }
        }
    }

    /// One verification against the dummy hash, for branches with no real one.
    pub fn burn(&self, password: &Password) {
        if let Ok(parsed) = PasswordHash::new(&self.dummy) {
            let _ = self
                .argon2
                .verify_password(password.expose().as_bytes(), &parsed);
        }
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
    fn hash_verify_rehash() {
        let h = Hasher::new(HashParams::FLOOR).unwrap();
        let pw = Password::from("correct horse battery staple");
        let a = h.hash(&pw).unwrap();
        let b = h.hash(&pw).unwrap();
        assert_ne!(a, b, "fresh salt each time");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(&a, &pw));
        assert!(!h.verify(&a, &Password::from("Correct horse battery staple")));
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
