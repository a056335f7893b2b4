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
                                    m.popups.push(Popup::Message(Message {
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
            (Waiter::Detail, Reply::User(r)) => match r {
                Ok(d) => {
                    let Some(m) = self.main() else {
                        return Vec::new();
                    };
                    // Dialogs showing parts of the user follow the fresh data.
                    for p in m.popups.iter_mut() {
                        match p {
                            Popup::Holders(h) if h.login == d.summary.login => {
                                h.refreshed(d.holders.clone())
                            }
                            Popup::Grants(g) if g.login == d.summary.login => {
                                if let Some(fd) = &m.form_data {
                                    g.fill(&fd.resources, &d.resources);
                                }
                            }
                            _ => {}
                        }
                    }
                    // Only the answer to the view's own request fills it.
                    if let Some(view) = m.detail.as_mut().filter(|v| v.request == Some(id)) {
                        view.request = None;
                        view.login = d.summary.login.clone();
                        view.data = Some(d);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let (Error::NotFound(_), Some(m)) = (&e, self.main()) {
                        m.detail = None;
                    }
                    self.error(e)
                }
            },
            (Waiter::FormReload, Reply::User(r)) => match r {
                Ok(d) => {
                    if let Some(Popup::UserForm(f)) = self.main().and_then(|m| m.popups.last_mut())
                    {
                        f.fill(&d);
                        f.error =
                            Some("Reloaded the stored values; make your change again.".into());
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::FormChoices, Reply::FormChoices(r)) => match r {
                Ok(data) => {
                    let Some(m) = self.main() else {
                        return Vec::new();
                    };
                    for p in m.popups.iter_mut() {
                        match p {
                            Popup::UserForm(f) => f.loaded(data.clone()),
                            Popup::BulkReset(d) => d.loaded(&data),
                            Popup::Grants(g) => {
                                let grants = m
                                    .detail
                                    .as_ref()
                                    .and_then(|d| d.data.as_ref())
                                    .map(|d| d.resources.clone())
                                    .unwrap_or_default();
                                g.fill(&data.resources, &grants);
                            }
                            _ => {}
                        }
                    }
                    m.form_data = Some(data);
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
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
                            a.grants = grants;
                            a.loaded = true;
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
            (Waiter::Picker, Reply::Users(r)) => match r {
                Ok(page) => {
                    if let Some(Popup::UserPicker(p)) = self.main().and_then(|m| {
                        m.popups
                            .iter_mut()
                            .find(|p| matches!(p, Popup::UserPicker(u) if u.searching == Some(id)))
                    }) {
                        p.searching = None;
                        p.results = page.items;
                        p.selected = p.selected.min(p.results.len().saturating_sub(1));
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
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
                            if let Popup::PolicyForm(f) = p
                                && let Some((_, n)) = counts.iter().find(|(n, _)| *n == f.name)
                            {
                                f.users = Some(*n);
                            }
                        }
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::BulkCount, Reply::Count(r)) => {
                let found = self.main().and_then(|m| {
                    m.popups.iter_mut().find_map(|p| match p {
                        Popup::BulkReset(d) if d.counting == Some(id) => Some(d),
                        _ => None,
                    })
                });
                match (r, found) {
                    (Ok(n), Some(d)) => {
                        d.counting = None;
                        d.count = Some(n);
                        Vec::new()
                    }
                    (Err(e), Some(d)) if !e.is_unavailable() => {
                        d.counting = None;
                        d.error = Some(friendly(&e));
                        Vec::new()
                    }
                    (Err(e), _) => self.error(e),
                    (Ok(_), None) => Vec::new(),
                }
            }
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
                        m.popups.push(Popup::Confirm(Confirm::new(
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
                    pane: 0,
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

    fn popup_reply(&mut self, id: u64, reply: Reply) -> Vec<Effect> {
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let Some(index) = m.popups.iter().position(|p| p.pending() == Some(id)) else {
            return Vec::new();
        };
        match reply {
            Reply::PasswordContext(Ok(target)) => {
                match &mut m.popups[index] {
                    Popup::Password(p) => p.loaded(target),
                    Popup::ChangeOwn(p) => p.loaded(target),
                    _ => {}
                }
                Vec::new()
            }
            Reply::Done(Ok(msg)) => {
                // Holders and grants stay open to make more changes; the bulk
                // reset shows its summary until dismissed.
                let stays = matches!(
                    m.popups[index],
                    Popup::Holders(_) | Popup::Grants(_) | Popup::BulkReset(_)
                );
                if stays {
                    match &mut m.popups[index] {
                        Popup::Holders(h) => h.done(),
                        Popup::Grants(g) => g.pending = None,
                        Popup::BulkReset(d) => d.finished(msg.clone()),
                        _ => {}
                    }
                } else {
                    // After a rename in the edit form the detail view follows the new login.
                    if let Popup::UserForm(f) = &m.popups[index]
                        && let (crate::tui::popups::user_form::Mode::Edit { .. }, Some(view)) =
                            (&f.mode, m.detail.as_mut())
                    {
                        view.login = f.login.value().to_string();
                    }
                    if matches!(&m.popups[index], Popup::TypeConfirm(c) if c.closes_detail) {
                        m.detail = None;
                    }
                    // Dropping the dialog wipes any password it held.
                    m.popups.remove(index);
                }
                m.say(msg, now);
                self.refresh()
            }
            Reply::SteppedUp(Ok(actor)) => {
                m.popups.remove(index);
                m.session.actor = actor;
                m.say("confirmed; save again to apply your change", now);
                Vec::new()
            }
            Reply::SteppedUp(Err(e)) => {
                let text = friendly(&e);
                m.popups[index].failed(text);
                Vec::new()
            }
            Reply::Secret(Ok(secrets)) => {
                m.popups.remove(index);
                if let Some(note) = &secrets.note {
                    m.remember(note.clone(), true, now);
                }
                m.popups.push(Popup::Secret(SecretBox::new(secrets)));
                self.refresh()
            }
            Reply::PasswordContext(Err(e)) | Reply::Done(Err(e)) | Reply::Secret(Err(e)) => {
                if e.is_unavailable() || matches!(e, Error::Unauthenticated(_)) {
                    m.popups[index].set_pending(None);
                    return self.error(e);
                }
                let step_up = matches!(e, Error::StepUpRequired(_));
                let text = friendly(&e);
                if !m.popups[index].failed(text.clone()) {
                    m.remember(text.clone(), true, now);
                    m.popups.push(Popup::Message(Message::error(text)));
                }
                if step_up {
                    // Ask for the password now; the form stays open underneath.
                    m.popups.push(Popup::StepUp(Default::default()));
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
