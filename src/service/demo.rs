//! `keyward demo`: fills an empty database with realistic users, resources
//! and grants, fast (demo users share one precomputed hash).

use super::{Actor, Service};
use crate::crypto::tokens::random_password;
use crate::domain::Password;
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use crate::store::{AuditEvent, DemoUser};
use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use zeroize::Zeroizing;

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Amira",
    "Chen",
    "Fatima",
    "Hiroshi",
    "Ingrid",
    "José",
    "Kwame",
    "Lena",
    "Mateo",
    "Nadia",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
    "Ursula",
    "Vikram",
    "Wen",
    "Yusuf",
    "Zofia",
    "Aoife",
    "Björn",
    "Chloé",
    "Dmitri",
    "Elif",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Okafor",
    "Nakamura",
    "Kowalski",
    "Novak",
    "Rossi",
    "Müller",
    "Dubois",
    "Silva",
    "Kim",
    "Nguyen",
    "Patel",
    "Cohen",
    "O'Brien",
    "Fischer",
    "Andersson",
    "Haddad",
    "Mensah",
    "Ivanova",
    "Costa",
    "Murphy",
    "Schmidt",
    "Yilmaz",
];
const RESOURCES: &[(&str, &str)] = &[
    (
        "Professional website",
        "The organisation's public site and its editor",
    ),
    ("Mobile app", "Field staff app for iOS and Android"),
    ("Client portal", "Where client contacts see their reports"),
    ("Time & attendance", "Timesheets, shifts and leave"),
    ("Payroll", "Pay runs and payslips"),
];
const BATCH: usize = 1000;

/// What a demo fill made. `Debug` leaves the password out.
pub struct DemoReport {
    pub users: u64,
    pub grants: u64,
    /// The password every demo user shares (shown once).
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoReport")
            .field("users", &self.users)
            .field("grants", &self.grants)
            .finish()
    }
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' => Some('e'),
            'ö' | 'ó' => Some('o'),
            'ü' => Some('u'),
            'ä' => Some('a'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

impl Service {
    /// Adds `count` demo users to a database that has no users except
    /// administrators. `progress(done)` is called after each batch.
    pub async fn demo_fill(
        &self,
        actor: &Actor,
        count: u64,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<DemoReport> {
        let me = self.authorize(actor, Action::BulkReset, None).await?;
        if count == 0 || count > 10_000_000 {
            return Err(Error::Invalid("--users must be from 1 to 10000000".into()));
        }
        let existing = self.store.count_users().await?;
        if existing > self.store.count_active_global_admins().await? {
            return Err(Error::Conflict(format!(
                "the database already has {existing} users; demo data goes into an empty database (only the first administrator)"
            )));
        }
        let password = random_password(20, false);
        let hash = self.hash(&Password::new(password.to_string())).await?;
        let now = self.now();
        let mut resource_ids = Vec::new();
        for (name, description) in RESOURCES {
            let id = match self.store.resource_by_name(name).await? {
                Some(r) => r.id,
                None => {
                    let event = AuditEvent::new(
                        &me.login,
                        "resource.create",
                        name,
                        json!({ "after": { "description": description }, "demo": true }),
                    );
                    self.store
                        .insert_resource(name, description, now, &event)
                        .await?
                }
            };
            resource_ids.push(id);
        }
        let mut rng = StdRng::seed_from_u64(0x6b65_7977_6172);
        let mut done = 0u64;
        let mut grants_total = 0u64;
        while done < count {
            let n = (count - done).min(BATCH as u64) as usize;
            let mut batch = Vec::with_capacity(n);
            for i in 0..n {
                let seq = done + i as u64;
                let first = FIRST[rng.gen_range(0..FIRST.len())];
                let last = LAST[rng.gen_range(0..LAST.len())];
                let login = format!("{}.{}{}", ascii_fold(first), ascii_fold(last), seq);
                let portal = rng.gen_ratio(1, 10);
                let role = if portal {
                    "user"
                } else {
                    match rng.gen_range(0..1000) {
                        0..=2 => "admin",
                        3..=30 => "manager",
                        31..=60 => "account_manager",
                        _ => "user",
                    }
                };
                let created = now - Duration::days(rng.gen_range(30..2000));
                let last_login = if rng.gen_ratio(1, 20) {
                    None
                } else {
                    Some(now - Duration::minutes(rng.gen_range(1..60 * 24 * 500)))
                };
                let locked = rng.gen_ratio(1, 100);
                batch.push(DemoUser {
                    email: format!(
                        "{login}@{}",
                        if portal {
                            "clients.example.com"
                        } else {
                            "example.org"
                        }
                    ),
                    login,
                    name: format!("{first} {last}"),
                    kind: if portal { "portal" } else { "staff" },
                    role,
                    status: if rng.gen_ratio(1, 50) {
                        "disabled"
                    } else {
                        "active"
                    },
                    must_change: rng.gen_ratio(1, 25),
                    failed_attempts: if locked {
                        5
                    } else if rng.gen_ratio(1, 30) {
                        rng.gen_range(1..4)
                    } else {
                        0
                    },
                    locked_until: locked.then(|| now + Duration::minutes(rng.gen_range(1..15))),
                    last_login_at: last_login,
                    created_at: created,
                });
            }
            let ids = self.store.insert_demo_users(&batch, &hash, now).await?;
            let mut grants = Vec::new();
            for (id, u) in ids.iter().zip(&batch) {
                if u.kind == "portal" {
                    grants.push((*id, resource_ids[2], "read"));
                } else {
                    if rng.gen_ratio(1, 3) {
                        grants.push((
                            *id,
                            resource_ids[0],
                            if rng.gen_ratio(1, 10) {
                                "manage"
                            } else {
                                "standard"
                            },
                        ));
                    }
                    if rng.gen_ratio(1, 2) {
                        grants.push((*id, resource_ids[1], "standard"));
                    }
                    if rng.gen_ratio(1, 4) {
                        grants.push((*id, resource_ids[3], "standard"));
                    }
                }
            }
            self.store.insert_demo_grants(&grants, now).await?;
            grants_total += grants.len() as u64;
            done += n as u64;
            progress(done);
        }
        let event = AuditEvent::new(
            &me.login,
            "demo.fill",
            "-",
            json!({ "users": done, "grants": grants_total }),
        );
        self.store.append_audit(&event, self.now()).await?;
        Ok(DemoReport {
            users: done,
            grants: grants_total,
            password,
        })
    }
}
