//! `/reset`: ask for a reset link; `/reset/{token}`: set a new password
//! with it. A GET or HEAD of a link never uses it up (mail scanners and
//! link previews fetch links): only the POST that sets the password does.

use super::{PageCx, PageForm, Shown, csrf, failure, new_password_refusal};
use crate::domain::Password;
use crate::serve::client::ClientAddr;
use crate::serve::layers::CspNonce;
use crate::serve::state::AppState;
use crate::service::ResetLinkState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

/// `/`: the pages start at the reset request.
pub async fn index() -> Response {
    Redirect::to("/reset").into_response()
}

pub async fn ask(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
) -> Response {
    let csrf = csrf::issue(&headers, state.settings.secure());
    PageCx::new(&state, &nonce, Some(&csrf)).render(
        StatusCode::OK,
        "reset_request.html",
        context! { who => "" },
    )
}

#[derive(Deserialize)]
pub struct AskForm {
    csrf: String,
    who: String,
}

pub async fn asked(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
    client: ClientAddr,
    PageForm(form): PageForm<AskForm>,
) -> Response {
    let settings = &state.settings;
    let csrf = csrf::issue(&headers, settings.secure());
    let cx = PageCx::new(&state, &nonce, Some(&csrf));
    let again = |status, error: &str| {
        cx.render(
            status,
            "reset_request.html",
            context! { who => form.who, error },
        )
    };
    if !csrf::verify(
        &headers,
        &form.csrf,
        settings.secure(),
        &settings.public_url,
    ) {
        return again(
            StatusCode::FORBIDDEN,
            "This form had expired. Please send it again.",
        );
    }
    if let Err(e) = client.reset_rate_limit(&state).await {
        if e.status == StatusCode::TOO_MANY_REQUESTS {
            return cx.message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "Too many links have been asked for from your address. Please try again in an hour.",
                None,
            );
        }
        return again(e.status, &e.body.message);
    }
    match state
        .service
        .request_reset(&form.who, "web", &client.to_string(), &settings.public_url)
        .await
    {
        Ok(expires) => cx.render(
            StatusCode::OK,
            "reset_sent.html",
            context! { expires => Shown::at(expires), mail => false },
        ),
        Err(crate::Error::Invalid(m)) => again(StatusCode::BAD_REQUEST, &m),
        Err(e) => failure(&cx, e),
    }
}

pub async fn form(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let csrf = csrf::issue(&headers, state.settings.secure());
    let cx = PageCx::new(&state, &nonce, Some(&csrf));
    match state.service.reset_link_state(&token).await {
        Ok(ResetLinkState::Valid {
            login,
            expires_at,
            rules,
        }) => cx.render(
            StatusCode::OK,
            "reset_form.html",
            context! { token, login, expires => Shown::at(expires_at), rules },
        ),
        Ok(ResetLinkState::Invalid) => {
            cx.render(StatusCode::GONE, "link_invalid.html", context! {})
        }
        Err(e) => failure(&cx, e),
    }
}

#[derive(Deserialize)]
pub struct SetForm {
    csrf: String,
    new: Password,
    repeat: Password,
}

pub async fn set(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
    Path(token): Path<String>,
    PageForm(form): PageForm<SetForm>,
) -> Response {
    let settings = &state.settings;
    let csrf = csrf::issue(&headers, settings.secure());
    let cx = PageCx::new(&state, &nonce, Some(&csrf));
    let (login, expires, rules) = match state.service.reset_link_state(&token).await {
        Ok(ResetLinkState::Valid {
            login,
            expires_at,
            rules,
        }) => (login, expires_at, rules),
        Ok(ResetLinkState::Invalid) => {
            return cx.render(StatusCode::GONE, "link_invalid.html", context! {});
        }
        Err(e) => return failure(&cx, e),
    };
    let again = |status, error: Option<&str>, violations: Vec<String>| {
        cx.render(
            status,
            "reset_form.html",
            context! { token, login, expires => Shown::at(expires), rules, error, violations },
        )
    };
    if let Some((status, why)) =
        new_password_refusal(&state, &headers, &form.csrf, &form.new, &form.repeat)
    {
        return again(status, Some(why), Vec::new());
    }
    match state.service.redeem_reset_token(&token, &form.new).await {
        Ok(login) => cx.render(StatusCode::OK, "reset_done.html", context! { login }),
        Err(crate::Error::Policy(violations)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, None, violations)
        }
        Err(crate::Error::Unauthenticated(_) | crate::Error::Invalid(_)) => {
            cx.render(StatusCode::GONE, "link_invalid.html", context! {})
        }
        Err(e) => failure(&cx, e),
    }
}
