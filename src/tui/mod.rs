//! The full-screen console.

use crate::config::Config;
use crate::error::{Error, Result};

pub async fn run(_config: &Config) -> Result<()> {
    Err(Error::Invalid(
        "the console is being built; use the subcommands (keyward --help)".into(),
    ))
}
