//! `/change`: a user changes a password they know, under the same rules as
//! `POST /v1/password/change` (a wrong current password counts as a failed
//! sign-in). The page never says whether the login exists: every refusal
//! of the current password reads the same.

use super::{PageCx, PageForm, csrf, failure, new_password_refusal};
use crate::domain::{Kind, Password};
use crate::serve::layers::CspNonce;
use crate::serve::state::AppState;
use crate::service::{ChangeProof, SignInSource};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

/// The rules shown before anything is typed: the staff default's (the
/// page may not look the account up, see `Service::anonymous_check`).
async fn default_rules(state: &AppState) -> Vec<crate::domain::password_rules::RuleCheck> {
    state
        .service
        .anonymous_check(Kind::Staff, "", &Password::from(""))
        .await
        .map(|c| c.rules)
        .unwrap_or_default()
}

pub async fn form(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
) -> Response {
    let csrf = csrf::issue(&headers, state.settings.secure());
    let rules = default_rules(&state).await;
    PageCx::new(&state, &nonce, Some(&csrf)).render(
        StatusCode::OK,
        "change.html",
        context! { login => "", rules },
    )
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    login: String,
    current: Password,
    new: Password,
    repeat: Password,
}

pub async fn changed(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
    PageForm(form): PageForm<ChangeForm>,
) -> Response {
    let settings = &state.settings;
    let csrf = csrf::issue(&headers, settings.secure());
    let cx = PageCx::new(&state, &nonce, Some(&csrf));
    let rules = default_rules(&state).await;
    let again = |status, error: Option<&str>, violations: Vec<String>| {
        cx.render(
            status,
            "change.html",
            context! { login => form.login, rules, error, violations },
        )
    };
    if let Some((status, why)) =
        new_password_refusal(&state, &headers, &form.csrf, &form.new, &form.repeat)
    {
        return again(status, Some(why), Vec::new());
    }
    let proof = ChangeProof::Current(form.current.clone());
    let source = SignInSource::named("web-change");
    match state
        .service
        .change_password_self(&form.login, &proof, &form.new, &source)
        .await
    {
        Ok(crate::domain::AuthOutcome::Ok) => {
            cx.render(StatusCode::OK, "change_done.html", context! {})
        }
        Ok(_) => again(
            StatusCode::UNAUTHORIZED,
            Some(
                "The login ID or the current password is not right, or the account is locked \
                 or disabled. If you have forgotten your password, ask for a reset link.",
            ),
            Vec::new(),
        ),
        Err(crate::Error::Policy(violations)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, None, violations)
        }
        Err(e) => failure(&cx, e),
    }
}
