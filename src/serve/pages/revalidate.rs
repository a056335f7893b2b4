//! `/revalidate`: ask for a re-validation link (where an application sends
//! a user whose sign-in answered `ok_revalidate`); `/revalidate/{token}`:
//! the link's page, whose button re-validates the account. A GET or HEAD
//! of a link never uses it up (mail scanners and link previews fetch
//! links): only the POST of its button does.

use super::{PageCx, PageForm, Shown, csrf, failure};
use crate::serve::client::ClientAddr;
use crate::serve::layers::CspNonce;
use crate::serve::state::AppState;
use crate::service::RevalidationLinkState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

pub async fn ask(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
) -> Response {
    let csrf = csrf::issue(&headers, state.settings.secure());
    PageCx::new(&state, &nonce, Some(&csrf)).render(
        StatusCode::OK,
        "revalidate_request.html",
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
            "revalidate_request.html",
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
        .request_revalidation(&form.who, "web", &client.to_string(), &settings.public_url)
        .await
    {
        Ok(expires) => cx.render(
            StatusCode::OK,
            "revalidate_sent.html",
            context! { expires => Shown::at(expires) },
        ),
        Err(crate::Error::Invalid(m)) => again(StatusCode::BAD_REQUEST, &m),
        Err(e) => failure(&cx, e),
    }
}

/// The link's page: which account, until when, and the button.
pub async fn form(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let csrf = csrf::issue(&headers, state.settings.secure());
    let cx = PageCx::new(&state, &nonce, Some(&csrf));
    match state.service.revalidation_link_state(&token).await {
        Ok(RevalidationLinkState::Valid { login, expires_at }) => cx.render(
            StatusCode::OK,
            "revalidate_form.html",
            context! { token, login, expires => Shown::at(expires_at) },
        ),
        Ok(RevalidationLinkState::Invalid) => cx.render(
            StatusCode::GONE,
            "link_invalid.html",
            context! { revalidate => true },
        ),
        Err(e) => failure(&cx, e),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
}

/// The button: spends the link and re-validates the account.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    headers: HeaderMap,
    Path(token): Path<String>,
    PageForm(form): PageForm<ConfirmForm>,
) -> Response {
    let settings = &state.settings;
    let csrf = csrf::issue(&headers, settings.secure());
    let cx = PageCx::new(&state, &nonce, Some(&csrf));
    let invalid = || {
        cx.render(
            StatusCode::GONE,
            "link_invalid.html",
            context! { revalidate => true },
        )
    };
    if !csrf::verify(
        &headers,
        &form.csrf,
        settings.secure(),
        &settings.public_url,
    ) {
        return match state.service.revalidation_link_state(&token).await {
            Ok(RevalidationLinkState::Valid { login, expires_at }) => cx.render(
                StatusCode::FORBIDDEN,
                "revalidate_form.html",
                context! {
                    token, login, expires => Shown::at(expires_at),
                    error => "This form had expired. Please press the button again.",
                },
            ),
            Ok(RevalidationLinkState::Invalid) => invalid(),
            Err(e) => failure(&cx, e),
        };
    }
    match state.service.revalidate_with_link(&token).await {
        Ok(Some(login)) => cx.render(StatusCode::OK, "revalidate_done.html", context! { login }),
        Ok(None) => invalid(),
        Err(e) => failure(&cx, e),
    }
}
