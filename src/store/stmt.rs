//! Statements built at run time (filters, keysets, per-policy thresholds):
//! the SQL text with `$N` placeholders and the values to bind, in order.

use chrono::{DateTime, Utc};

/// A value to bind to a built statement.
#[derive(Debug, Clone)]
pub(super) enum Param {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

/// SQL text and its parameters.
pub(super) struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    pub fn new() -> Sql {
        Sql {
            text: String::new(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder.
    pub fn param(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }
}

/// `$query` (a sqlx query of either driver) with every parameter of `$sql`
/// bound in order.
macro_rules! bind_params {
    ($query:expr, $sql:expr) => {{
        let mut query = $query;
        for prm in &$sql.params {
            query = match prm {
                $crate::store::stmt::Param::Text(s) => query.bind(s.clone()),
                $crate::store::stmt::Param::Int(i) => query.bind(*i),
                $crate::store::stmt::Param::Time(t) => query.bind(*t),
            };
        }
        query
    }};
}
pub(super) use bind_params;
