//! Made-up answers for the console soak (soak.rs): for each `Call`, the
//! reply the worker would send, with random but well-formed data (empty,
//! short and odd pages, long and control-character text) or one of the
//! service's errors. Secrets handed out (temporary passwords, tokens, keys)
//! are unique markers, so the soak can look for them in the app's state.

use chrono::{DateTime, Duration, Utc};
use keyward::crypto::tokens::Shown;
use keyward::domain::listing::LockoutCounts;
use keyward::domain::password_rules::Strength;
use keyward::domain::{Kind, MailKind, MailState, Policy, Role};
use keyward::error::Error;
use keyward::service::views::{AttemptView, HolderView, NamedPolicy, UserSummary};
use keyward::service::views::{AuditView, GrantView, Page, PolicyView, ResourceView, UserDetail};
use keyward::service::{
    Actor, KeyView, ListCount, LockoutsOverview, MailProblem, MailStatus, PurgePreview,
};
use keyward::tui::effect::SignInReply;
use keyward::tui::effect::{Call, FormChoices, PasswordTarget, Reply, Secrets, Session};
use rand::Rng;
use rand::rngs::StdRng;

use super::fsm::user;

/// What the answers are made of: the random source, the clock, and the
/// secrets handed out so far (the soak checks that none stays behind).
pub struct Answers<'a> {
    pub rng: &'a mut StdRng,
    pub now: DateTime<Utc>,
    /// Every secret this answer handed out.
    pub secrets: Vec<String>,
    pub next_secret: &'a mut u64,
}

impl Answers<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn upto(&mut self, n: usize) -> usize {
        self.rng.gen_range(0..=n)
    }

    /// Mostly plain words, sometimes long, wide or full of control characters.
    fn text(&mut self) -> String {
        match self.upto(9) {
            0 => String::new(),
            1 => "x".repeat(self.rng.gen_range(100..2000)),
            2 => "tab\tnew\nline\r\u{1b}[31mred\u{7}bell\u{0}nul".into(),
            3 => "宽字符テキスト🦀🦀👩‍👩‍👧 e\u{301} \u{202e}reversed".into(),
            _ => format!("item {}", self.rng.gen_range(0..1000)),
        }
    }

    fn time(&mut self) -> DateTime<Utc> {
        self.now - Duration::seconds(self.rng.gen_range(-86_400..10_000_000))
    }

    fn maybe_time(&mut self) -> Option<DateTime<Utc>> {
        if self.chance(0.5) {
            Some(self.time())
        } else {
            None
        }
    }

    fn secret(&mut self) -> Shown {
        *self.next_secret += 1;
        let s = format!("{}{:06}shownSecret", super::soak::MARK, self.next_secret);
        self.secrets.push(s.clone());
        Shown(zeroize::Zeroizing::new(s))
    }

    fn summary(&mut self, id: i64) -> UserSummary {
        let login = if self.chance(0.05) {
            self.text()
        } else {
            format!("u{id:07}")
        };
        let mut u = user(id, &login);
        if self.chance(0.2) {
            u.locked = true;
            u.locked_at = self.maybe_time();
            u.locked_until = self.maybe_time();
            u.failed_attempts = self.rng.gen_range(0..200);
            u.last_failure_at = self.maybe_time();
            u.last_failure_source = Some(self.text());
        }
        if self.chance(0.1) {
            u.status = keyward::domain::Status::Disabled;
            u.name = self.text();
        }
        u.last_login_at = self.maybe_time();
        u.lockout_threshold = self.rng.gen_range(0..=100);
        u.version = self.rng.gen_range(1..5);
        u
    }

    fn users(&mut self, max: usize) -> Vec<UserSummary> {
        let first = self.rng.gen_range(0..1_000_000);
        let n = self.upto(max);
        (0..n).map(|i| self.summary(first + i as i64)).collect()
    }

    fn page(&mut self, limit: usize) -> Page<UserSummary> {
        let n = if self.chance(0.8) {
            limit
        } else {
            self.upto(limit)
        };
        let items = self.users(n);
        let cursor = |u: Option<&UserSummary>| u.map(|u| u.cursor(Default::default()));
        let next = if self.chance(0.6) {
            cursor(items.last())
        } else {
            None
        };
        let prev = if self.chance(0.3) {
            cursor(items.first())
        } else {
            None
        };
        Page { items, next, prev }
    }

    fn target(&mut self, login: &str) -> PasswordTarget {
        PasswordTarget {
            login: login.into(),
            name: self.text(),
            email: "a@example.org".into(),
            policy_name: "default".into(),
            policy: Policy::default(),
            holders: (0..self.upto(3)).map(|_| self.text()).collect(),
            version: self.rng.gen_range(1..5),
        }
    }

    fn session(&mut self) -> Session {
        let role = Role::ALL[self.upto(Role::ALL.len() - 1)];
        Session {
            actor: self.actor(role),
            name: self.text(),
            idle_timeout_minutes: self.rng.gen_range(1..400),
        }
    }

    fn actor(&mut self, role: Role) -> Actor {
        Actor {
            user_id: 1,
            login: "root1".into(),
            role,
            authenticated_at: self.now,
        }
    }

    fn audit(&mut self) -> AuditView {
        AuditView {
            seq: self.rng.gen_range(1..100_000),
            at: self.time(),
            actor: self.text(),
            action: "user.edit".into(),
            target: self.text(),
            details: serde_json::json!({ "before": self.text(), "after": [1, 2, 3] }),
            hash: "ab".repeat(32),
        }
    }

    fn policy_view(&mut self) -> PolicyView {
        PolicyView {
            name: if self.chance(0.5) {
                "default".into()
            } else {
                self.text()
            },
            version: self.rng.gen_range(1..9),
            enforced_version: 0,
            users: self.rng.gen_range(0..1_000_000),
            updated_at: self.time(),
            settings: Policy::default(),
        }
    }

    fn detail(&mut self, login: &str) -> UserDetail {
        let id = self.rng.gen_range(1..1000);
        let mut summary = self.summary(id);
        summary.login = login.into();
        UserDetail {
            summary,
            has_password: self.chance(0.8),
            password_changed_at: self.maybe_time(),
            policy: "default".into(),
            policy_reason: self.text(),
            policy_assigned: self.chance(0.3),
            holders: (0..self.upto(4))
                .map(|i| HolderView {
                    id: i as i64,
                    name: self.text(),
                    email: "h@example.org".into(),
                    note: self.text(),
                })
                .collect(),
            resources: (0..self.upto(4)).map(|_| self.grant(login)).collect(),
            recent_attempts: (0..self.upto(5)).map(|_| self.attempt()).collect(),
            application_sign_ins: Vec::new(),
            pending_reset_links: Vec::new(),
            recent_audit: (0..self.upto(3)).map(|_| self.audit()).collect(),
            created_at: self.time(),
            updated_at: self.time(),
        }
    }

    fn grant(&mut self, login: &str) -> GrantView {
        GrantView {
            resource: self.text(),
            login: login.into(),
            level: "standard".into(),
            granted_at: self.time(),
        }
    }

    fn attempt(&mut self) -> AttemptView {
        AttemptView {
            at: self.time(),
            login: self.text(),
            outcome: "bad_password".into(),
            source: self.text(),
        }
    }

    /// One of the service's errors; Unauthenticated (which signs the
    /// console out) is rare.
    pub fn error(&mut self) -> Error {
        let text = self.text();
        match self.upto(11) {
            0 | 1 => Error::Unavailable(text),
            2 => Error::StepUpRequired(text),
            3 => Error::Conflict(text),
            4 => Error::Forbidden(text),
            5 => Error::NotFound(text),
            6 => Error::Invalid(text),
            7 => Error::Policy(vec![text, "too short".into()]),
            8 => Error::Busy(text),
            9 => Error::Cancelled,
            10 if self.chance(0.2) => Error::Unauthenticated(text),
            _ => Error::Internal(text),
        }
    }

    /// The answer to `call`: an error with probability `p_error`.
    pub fn reply(&mut self, call: &Call, p_error: f64) -> Reply {
        let fail = self.chance(p_error);
        macro_rules! answer {
            ($variant:ident, $ok:expr) => {
                Reply::$variant(if fail { Err(self.error()) } else { Ok($ok) })
            };
        }
        match call {
            Call::NeedsSetup => answer!(NeedsSetup, {
                if self.chance(0.2) {
                    Some(Policy::default())
                } else {
                    None
                }
            }),
            Call::Setup { .. } | Call::SignIn { .. } | Call::ChangeAtSignIn { .. } => {
                answer!(SignIn, {
                    match self.upto(4) {
                        0 => SignInReply::Refused(self.text()),
                        1 => SignInReply::MustChange {
                            login: "root1".into(),
                            reason: self.text(),
                            target: self.target("root1"),
                        },
                        _ => SignInReply::SignedIn(self.session()),
                    }
                })
            }
            Call::ListUsers { filter } => answer!(Users, self.page(filter.limit.max(0) as usize)),
            Call::CountUsers { .. } => answer!(
                UserCount,
                ListCount {
                    n: self.rng.gen_range(0..2_000_000),
                    estimate: self.chance(0.3),
                }
            ),
            Call::GetUser { login } => answer!(User, self.detail(login)),
            Call::PasswordContext { login } => answer!(PasswordContext, self.target(login)),
            Call::FormChoices => answer!(
                FormChoices,
                FormChoices {
                    policies: (0..self.upto(3))
                        .map(|_| NamedPolicy {
                            name: self.text(),
                            settings: Policy::default(),
                        })
                        .collect(),
                    resources: (0..self.upto(4)).map(|_| self.text()).collect(),
                    ..Default::default()
                }
            ),
            Call::TempPassword { .. }
            | Call::TempPasswords { .. }
            | Call::ResetToken { .. }
            | Call::IssueKey { .. } => answer!(Secret, {
                let n = 1 + self.upto(3);
                Secrets {
                    title: self.text(),
                    items: (0..n)
                        .map(|i| (format!("u{i:07}"), self.secret()))
                        .collect(),
                    note: if self.chance(0.3) {
                        Some(self.text())
                    } else {
                        None
                    },
                }
            }),
            Call::SharedLogins { logins } => answer!(Shared, {
                logins
                    .iter()
                    .filter(|_| self.chance(0.2))
                    .map(|l| (l.clone(), vec!["Ann".into(), "Bob".into()]))
                    .collect()
            }),
            Call::Ping => answer!(Pong, ()),
            Call::Audit { .. } => {
                answer!(Audit, (0..self.upto(60)).map(|_| self.audit()).collect())
            }
            Call::VerifyAudit => answer!(Verdict, (self.text(), self.chance(0.5))),
            Call::Resources => answer!(Resources, {
                (0..self.upto(30))
                    .map(|_| ResourceView {
                        name: self.text(),
                        description: self.text(),
                        users: self.rng.gen_range(0..1000),
                    })
                    .collect()
            }),
            Call::ResourceUsers { .. } => answer!(Grants, {
                (0..self.upto(30)).map(|_| self.grant("u0000001")).collect()
            }),
            Call::ApiKeys { resource } => answer!(ApiKeys, {
                (0..self.upto(5))
                    .map(|i| KeyView {
                        id: i as i64,
                        resource: resource.clone(),
                        prefix: "kw_abc".into(),
                        label: self.text(),
                        created_at: self.time(),
                        created_by: "root1".into(),
                        revoked_at: self.maybe_time(),
                    })
                    .collect()
            }),
            Call::MailStatus => answer!(
                MailStatus,
                MailStatus {
                    queued: self.rng.gen_range(0..100),
                    sent: self.rng.gen_range(0..100),
                    failed: self.rng.gen_range(0..100),
                    dropped: 0,
                    oldest_queued: self.maybe_time(),
                    problems: (0..self.upto(5))
                        .map(|i| MailProblem {
                            id: i as i64,
                            kind: MailKind::ALL[self.upto(MailKind::ALL.len() - 1)],
                            login: self.text(),
                            recipient: self.text(),
                            state: MailState::ALL[self.upto(MailState::ALL.len() - 1)],
                            attempts: 3,
                            error: self.text(),
                            queued_at: self.time(),
                            next_attempt_at: self.maybe_time(),
                        })
                        .collect(),
                }
            ),
            Call::PurgePreview { .. } => answer!(PurgePreview, {
                let candidates: Vec<_> = (0..self.upto(20))
                    .map(|i| keyward::service::Candidate {
                        login: format!("u{i:07}"),
                        kind: Kind::ALL[self.upto(Kind::ALL.len() - 1)],
                        last_login_at: self.maybe_time(),
                        created_at: self.time(),
                    })
                    .collect();
                PurgePreview {
                    count: candidates.len() as i64 + self.rng.gen_range(0..3),
                    candidates,
                }
            }),
            Call::Policies => answer!(
                Policies,
                (0..self.upto(6)).map(|_| self.policy_view()).collect()
            ),
            Call::PolicyCounts => answer!(PolicyCounts, vec![("default".into(), 12)]),
            Call::BulkCount { .. } | Call::BulkLinksCount { .. } => {
                answer!(Count, self.rng.gen_range(0..2_000_000))
            }
            Call::Lockouts { request } => answer!(
                Lockouts,
                LockoutsOverview {
                    accounts: self.users(request.limit.max(0) as usize),
                    failures: (0..self.upto(10)).map(|_| self.attempt()).collect(),
                    counts: LockoutCounts {
                        locked: self.rng.gen_range(0..500),
                        close: self.rng.gen_range(0..500),
                    },
                }
            ),
            Call::StepUp { .. } => answer!(SteppedUp, self.actor(Role::GlobalAdmin)),
            Call::WatchLockouts => answer!(Watching, self.chance(0.5)),
            Call::CheckPassword { input, password } => answer!(Checked, {
                if password.len_chars() <= 64 && self.chance(0.5) {
                    keyward::tui::new_password::evaluate(input, password)
                } else {
                    keyward::tui::new_password::Checked {
                        checks: Vec::new(),
                        strength: Strength {
                            score: self.rng.gen_range(0..=4),
                            label: "fair",
                            hint: None,
                        },
                    }
                }
            }),
            // Every other call is a change answered with a note.
            _ => answer!(Done, self.text()),
        }
    }
}
