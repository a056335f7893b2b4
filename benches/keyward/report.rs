//! Figures: percentiles, the printed table and target/keyward-bench.json
//! (an array of {name, backend, value, unit, limit, ratio, target}).

use serde::Serialize;
use std::time::Duration;

/// One measured figure, next to the bare figure it is compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub name: String,
    pub backend: String,
    pub value: f64,
    pub unit: String,
    /// The bare figure measured in the same run, if there is one.
    pub limit: Option<f64>,
    /// value / limit.
    pub ratio: Option<f64>,
    pub target: String,
}

impl Figure {
    pub fn new(name: &str, backend: &str, value: f64, unit: &str, target: &str) -> Figure {
        Figure {
            name: name.into(),
            backend: backend.into(),
            value,
            unit: unit.into(),
            limit: None,
            ratio: None,
            target: target.into(),
        }
    }

    /// Compared with `limit` (same unit).
    pub fn against(mut self, limit: f64) -> Figure {
        self.limit = Some(limit);
        self.ratio = (limit > 0.0).then(|| self.value / limit);
        self
    }
}

/// Milliseconds, as a float.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`th percentile (0..=100) of `samples`, nearest rank.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The table as printed (and pasted into BENCHMARKS.md).
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| figure | backend | value | limit | ratio | target |\n|---|---|---:|---:|---:|---|\n",
    );
    for f in figures {
        let limit = f
            .limit
            .map(|l| format!("{} {}", number(l), f.unit))
            .unwrap_or_else(|| "-".into());
        let ratio = f
            .ratio
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "| {} | {} | {} {} | {} | {} | {} |\n",
            f.name,
            f.backend,
            number(f.value),
            f.unit,
            limit,
            ratio,
            f.target
        ));
    }
    out
}

/// Prints one figure as soon as it is measured (a long run shows progress).
pub fn announce(f: &Figure) {
    let limit = f
        .limit
        .map(|l| {
            format!(
                "  (limit {} {}, ratio {:.2})",
                number(l),
                f.unit,
                f.ratio.unwrap_or(0.0)
            )
        })
        .unwrap_or_default();
    eprintln!(
        "  {:<28} {:>10} {}{}",
        f.name,
        number(f.value),
        f.unit,
        limit
    );
}
