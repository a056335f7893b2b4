//! What the console does with the service's answers: every reply to a
//! request it still waits for (`App::reply`), the sign-in's, and those
//! addressed to the popup on top. Split from app.rs, whose state machine
//! calls these.

use super::*;

impl App {
    /// An answer to a request the app still waits for (`waiter` says which).
    pub(super) fn reply(&mut self, id: u64, waiter: Waiter, reply: Reply) -> Vec<Effect> {
        let height = self.table_height();
        let now = self.now;
        match (waiter, reply) {
            (Waiter::Start, Reply::NeedsSetup(r)) => {
                self.screen = match r {
                    Ok(Some(policy)) => Screen::Setup(SetupForm::new(policy)),
                    Ok(None) => Screen::SignIn(SignInForm::new()),
                    Err(e) => Screen::Starting {
                        error: Some(format!("{e}\n\nPress R to try again or q to quit.")),
                    },
                };
                Vec::new()
            }
            (Waiter::SignIn, Reply::SignIn(r)) => self.signed_in(r),
            (Waiter::Users { fetch }, Reply::Users(r)) => {
                let ok = r.is_ok();
                let mut effects = match r {
                    Ok(page) => {
                        if let Some(m) = self.main() {
                            m.users.apply(page, fetch, height);
                        }
                        Vec::new()
                    }
                    Err(e) => {
                        let mut unknown_resource = None;
                        if let Some(m) = self.main() {
                            m.users.loading = false;
                            // Only the resource filter names something that
                            // may not exist: typed in the palette, or deleted
                            // since it was chosen. The list goes back to
                            // unfiltered by it, so the next key works.
                            if let Error::NotFound(_) = &e {
                                unknown_resource = m.users.resource.take();
                            }
                        }
                        match unknown_resource {
                            Some(name) => {
                                let note = format!(
                                    "No resource is named \"{}\", so the list is not filtered by \
                                     resource. In the palette, Tab completes resource names.",
                                    crate::service::clip(&name, 64)
                                );
                                let effects = self.reload_users();
                                if let Some(m) = self.main() {
                                    m.remember(note.clone(), true, now);
                                    m.popups.push(Popup::from(Message {
                                        title: "No such resource".into(),
                                        text: note,
                                        error: true,
                                    }));
                                }
                                return effects;
                            }
                            None => self.error(e),
                        }
                    }
                };
                // After a failure nothing is asked again here (that could
                // loop as fast as the database answers): the next key, or
                // the reconnect's refresh, asks again.
                if ok {
                    // Typed on while this search ran: search for the latest text.
                    if fetch == Fetch::Search {
                        effects.extend(self.search_typed());
                    }
                    effects.extend(self.prefetch());
                }
                effects
            }
            (Waiter::UserCount, Reply::UserCount(r)) => {
                if let Some(m) = self.main() {
                    m.users.counting = false;
                    if let (Ok(count), false) = (&r, m.users.count_wanted) {
                        m.users.total = Some(*count);
                    }
                }
                // A failed count leaves the total unknown ("…"); the list works.
                if let Err(e) = r {
                    tracing::warn!(error = %e, "users count failed");
                }
                Vec::new()
            }
            (Waiter::Detail, Reply::User(r)) => match r {
                Ok(d) => {
                    let Some(m) = self.main() else {
                        return Vec::new();
                    };
                    // Dialogs showing parts of the user follow the fresh data.
                    for p in m.popups.iter_mut() {
                        p.view_mut().user_detail(&d, m.form_data.as_ref());
                    }
                    // Only the answer to the view's own request fills it.
                    if let Some(view) = m.detail.as_mut().filter(|v| v.request == Some(id)) {
                        view.request = None;
                        view.login = d.summary.login.clone();
                        view.failed = None;
                        view.data = Some(d);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        if let Error::NotFound(_) = &e {
                            m.detail = None;
                        } else if let Some(view) =
                            m.detail.as_mut().filter(|v| v.request == Some(id))
                        {
                            // Not "Loading…" for ever: say why, and how to
                            // ask again.
                            view.request = None;
                            view.failed = Some(e.to_string());
                        }
                    }
                    self.error(e)
                }
            },
            (Waiter::FormChoices, Reply::FormChoices(r)) => match r {
                Ok(data) => {
                    let Some(m) = self.main() else {
                        return Vec::new();
                    };
                    let detail = m.detail.as_ref().and_then(|d| d.data.as_ref());
                    for p in m.popups.iter_mut() {
                        p.view_mut().form_choices(&data, detail);
                    }
                    m.form_data = Some(data);
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Heartbeat, Reply::Pong(r)) => {
                if let Some(m) = self.main() {
                    m.heartbeat_at = now + HEARTBEAT_EVERY;
                }
                match r {
                    // Only an outage is shown: any other answer to a
                    // heartbeat is no news to the administrator.
                    Err(e) if e.is_unavailable() => self.error(e),
                    _ => Vec::new(),
                }
            }
            (Waiter::Ping, Reply::Pong(r)) => match r {
                Ok(()) => {
                    if let Some(m) = self.main() {
                        m.banner = None;
                        m.say("the database is reachable again", now);
                    }
                    self.refresh()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Lockouts { fetch }, Reply::Lockouts(r)) => match r {
                Ok(data) => {
                    let rows = self.lockouts_height();
                    if let Some(m) = self.main() {
                        m.lockouts.apply(data, fetch, now, rows);
                    }
                    self.lockouts_follow()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.lockouts.loading = false;
                        m.lockouts.loaded_at = Some(now);
                    }
                    self.error(e)
                }
            },
            (Waiter::Audit { append }, Reply::Audit(r)) => match r {
                Ok(page) => {
                    let rows = self.table_height();
                    if let Some(m) = self.main() {
                        m.audit.apply(page, append, rows);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.audit.loading = false;
                        m.audit.loaded = true;
                    }
                    self.error(e)
                }
            },
            (Waiter::AuditNewer, Reply::Audit(r)) => {
                let rows = self.table_height();
                let Some(m) = self.main() else {
                    return Vec::new();
                };
                match r {
                    Ok(page) => m.audit.prepend(page, rows),
                    Err(e) => {
                        m.audit.refreshing = false;
                        // An outage or an ended session is said as always;
                        // anything else waits for the next look, without a
                        // popup every five seconds.
                        if e.is_unavailable() || matches!(e, Error::Unauthenticated(_)) {
                            return self.error(e);
                        }
                    }
                }
                Vec::new()
            }
            (Waiter::Verdict, Reply::Verdict(r)) => match r {
                Ok(v) => {
                    if let Some(m) = self.main() {
                        m.audit.verdict = Some(v);
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Resources, Reply::Resources(r)) => match r {
                Ok(rows) => {
                    let height = self.table_height();
                    if let Some(m) = self.main() {
                        m.resources.apply(rows, height);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.resources.loading = false;
                        m.resources.loaded = true;
                    }
                    self.error(e)
                }
            },
            (Waiter::Access, Reply::Grants(r)) => match r {
                Ok(grants) => {
                    let height = self.table_height();
                    if let Some(m) = self.main() {
                        if let Some(a) = m.resources.access.as_mut() {
                            a.apply(grants);
                        }
                        m.resources.move_by(0, height);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let (Error::NotFound(_), Some(m)) = (&e, self.main()) {
                        m.resources.access = None;
                    }
                    self.error(e)
                }
            },
            (Waiter::Policies, Reply::Policies(r)) => match r {
                Ok(rows) => {
                    let height = self.table_height();
                    if let Some(m) = self.main() {
                        m.policies.apply(rows, height);
                    }
                    // The pane shows now; the counts follow.
                    self.forget(|w| w == Waiter::PolicyCounts);
                    vec![self.call(Waiter::PolicyCounts, Call::PolicyCounts)]
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.policies.loading = false;
                        m.policies.loaded = true;
                    }
                    self.error(e)
                }
            },
            (Waiter::PolicyCounts, Reply::PolicyCounts(r)) => match r {
                Ok(counts) => {
                    if let Some(m) = self.main() {
                        m.policies.counted(&counts);
                        // An open form learns how many users it governs.
                        for p in m.popups.iter_mut() {
                            p.view_mut().policy_counts(&counts);
                        }
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Note, Reply::Done(r)) => match r {
                Ok(msg) => {
                    if let Some(m) = self.main() {
                        m.say(msg, now);
                    }
                    // The change shows at once everywhere it appears.
                    self.refresh()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Check, Reply::Checked(r)) => {
                for pw in self.all_passwords() {
                    if pw.waits_for(id) {
                        match &r {
                            Ok(verdict) => pw.checked(id, verdict.clone()),
                            Err(_) => pw.check_failed(id),
                        }
                    }
                }
                Vec::new()
            }
            (Waiter::Watch, Reply::Watching(r)) => {
                match r {
                    Ok(live) => {
                        if let Some(m) = self.main() {
                            m.lockouts.live = live;
                        }
                    }
                    // The pane reloads every few seconds all the same.
                    Err(e) => tracing::warn!(error = %e, "no lock notifications"),
                }
                Vec::new()
            }
            (Waiter::Shared, Reply::Shared(r)) => match r {
                Ok(shared) => {
                    if let Some(m) = self.main()
                        && let Some(logins) = m.asking.take()
                    {
                        let text = format!(
                            "Give {} a generated temporary password: {}? Their current passwords \
                             stop working; each must choose a new one at next sign-in.{}",
                            count(logins.len(), "user"),
                            names(&logins),
                            shared_warning(&shared)
                        );
                        m.popups.push(Popup::from(Confirm::new(
                            "Temporary passwords",
                            text,
                            "Generate",
                            Call::TempPasswords { logins },
                        )));
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Popup, reply) => self.popup_reply(id, reply),
            _ => Vec::new(),
        }
    }

    fn signed_in(&mut self, r: Result<SignInReply, Error>) -> Vec<Effect> {
        let now = self.now;
        match r {
            Ok(SignInReply::SignedIn(session)) => {
                self.screen = Screen::Main(Box::new(Main {
                    session,
                    pane: Pane::Users,
                    users: UsersPane::new(),
                    detail: None,
                    lockouts: LockoutsPane::new(),
                    audit: AuditPane::new(),
                    policies: PoliciesPane::default(),
                    resources: ResourcesPane::default(),
                    popups: Vec::new(),
                    banner: None,
                    retry_at: None,
                    retry_secs: 2,
                    heartbeat_at: now + HEARTBEAT_EVERY,
                    note: None,
                    note_is_warning: false,
                    held: Vec::new(),
                    asking: None,
                    log: Default::default(),
                    last_input: now,
                    form_data: None,
                }));
                let mut effects = self.reload_users();
                effects.push(self.call(Waiter::FormChoices, Call::FormChoices));
                if !self.watching {
                    self.watching = true;
                    effects.push(self.call(Waiter::Watch, Call::WatchLockouts));
                }
                effects
            }
            Ok(SignInReply::MustChange {
                login: _,
                reason,
                target,
            }) => {
                let current = match &self.screen {
                    Screen::SignIn(f) => Some(f.password.password()),
                    Screen::MustChange(f) => Some(f.current.clone()),
                    _ => None,
                };
                match current {
                    Some(current) => {
                        self.screen =
                            Screen::MustChange(MustChangeForm::new(target, reason, current))
                    }
                    None => self.screen = Screen::SignIn(SignInForm::new()),
                }
                Vec::new()
            }
            Ok(SignInReply::Refused(why)) => {
                self.form_failed(why);
                Vec::new()
            }
            Err(e) => {
                self.form_failed(friendly(&e));
                Vec::new()
            }
        }
    }

    fn form_failed(&mut self, why: String) {
        match &mut self.screen {
            Screen::SignIn(f) => {
                f.password.clear();
                f.refused(why);
            }
            Screen::Setup(f) => f.failed(why),
            Screen::MustChange(f) => f.failed(why),
            _ => {}
        }
    }

    /// An answer to a popup's request: to the popup that waits for it
    /// (none may: it was superseded, or its popup closed).
    fn popup_reply(&mut self, id: u64, reply: Reply) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let Some(index) = m.popups.iter().position(|p| p.view().waits_for(id)) else {
            return Vec::new();
        };
        let out = m.popups[index].view_mut().reply(id, reply);
        self.popup_out(index, out)
    }
}
