//! The pages people use themselves: ask for a reset link (`/reset`), set a
//! new password with it (`/reset/{token}`), change a password they know
//! (`/change`), and re-validate an account left idle (`/revalidate`,
//! `/revalidate/{token}`). Server-rendered HTML from assets/web, no
//! external assets, working without JavaScript; a small inline script adds
//! the live checklist and meter (`POST /check`).

mod change;
mod check;
mod csrf;
mod reset;
mod revalidate;

use super::layers::CspNonce;
use super::state::AppState;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use minijinja::{Environment, Value, context};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::OnceLock;

pub use csrf::Csrf;

/// The page templates, compiled into the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../assets/web/base.html")),
    (
        "macros.html",
        include_str!("../../../assets/web/macros.html"),
    ),
    (
        "reset_request.html",
        include_str!("../../../assets/web/reset_request.html"),
    ),
    (
        "reset_sent.html",
        include_str!("../../../assets/web/reset_sent.html"),
    ),
    (
        "reset_form.html",
        include_str!("../../../assets/web/reset_form.html"),
    ),
    (
        "reset_done.html",
        include_str!("../../../assets/web/reset_done.html"),
    ),
    (
        "link_invalid.html",
        include_str!("../../../assets/web/link_invalid.html"),
    ),
    (
        "change.html",
        include_str!("../../../assets/web/change.html"),
    ),
    (
        "change_done.html",
        include_str!("../../../assets/web/change_done.html"),
    ),
    (
        "revalidate_request.html",
        include_str!("../../../assets/web/revalidate_request.html"),
    ),
    (
        "revalidate_sent.html",
        include_str!("../../../assets/web/revalidate_sent.html"),
    ),
    (
        "revalidate_form.html",
        include_str!("../../../assets/web/revalidate_form.html"),
    ),
    (
        "revalidate_done.html",
        include_str!("../../../assets/web/revalidate_done.html"),
    ),
    (
        "message.html",
        include_str!("../../../assets/web/message.html"),
    ),
];

/// The pages' script (inline, under the page's CSP nonce).
const SCRIPT: &str = include_str!("../../../assets/web/page.js");

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a page template does not compile");
            }
        }
        env
    })
}

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(reset::index))
        .route("/reset", get(reset::ask).post(reset::asked))
        .route("/reset/{token}", get(reset::form).post(reset::set))
        .route("/revalidate", get(revalidate::ask).post(revalidate::asked))
        .route(
            "/revalidate/{token}",
            get(revalidate::form).post(revalidate::confirm),
        )
        .route("/change", get(change::form).post(change::changed))
        .route("/check", post(check::check))
}

/// What every page is rendered with.
pub struct PageCx<'a> {
    pub organisation: &'a str,
    pub nonce: &'a str,
    pub csrf: Option<&'a Csrf>,
    /// Whether the page carries the script (only under a real nonce).
    script: bool,
}

impl<'a> PageCx<'a> {
    pub fn new(state: &'a AppState, nonce: &'a CspNonce, csrf: Option<&'a Csrf>) -> Self {
        PageCx {
            organisation: &state.settings.organisation,
            nonce: &nonce.0,
            csrf,
            script: true,
        }
    }

    /// Renders `template` with `values`, and sets the form cookie if new.
    pub fn render(&self, status: StatusCode, template: &str, values: Value) -> Response {
        let page = templates().get_template(template).and_then(|t| {
            t.render(context! {
                organisation => self.organisation,
                nonce => self.nonce,
                csrf => self.csrf.map(|c| c.token.as_str()),
                script => self.script.then_some(SCRIPT),
                ..values
            })
        });
        match page {
            Ok(html) => {
                let mut response = (status, Html(html)).into_response();
                if let Some(cookie) = self.csrf.and_then(|c| c.set_cookie.clone()) {
                    response.headers_mut().insert(header::SET_COOKIE, cookie);
                }
                response
            }
            Err(e) => {
                tracing::error!(template, error = %e, "a page could not be rendered");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
                    "something went wrong on the server",
                )
                    .into_response()
            }
        }
    }

    /// A page that says one thing.
    pub fn message(
        &self,
        status: StatusCode,
        heading: &str,
        text: &str,
        back: Option<&str>,
    ) -> Response {
        self.render(status, "message.html", context! { heading, text, back })
    }
}

/// A time as the pages show it: UTC text, localised by the script.
#[derive(Serialize)]
pub struct Shown {
    iso: String,
    text: String,
}

impl Shown {
    pub fn at(t: DateTime<Utc>) -> Shown {
        Shown {
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text: t.format("%H:%M UTC").to_string(),
        }
    }
}

/// The answer to a request that was not answered in time.
pub fn timeout_page() -> Response {
    bare(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The server took too long to answer. Please try again.",
    )
}

/// The answer for an unknown path.
pub fn not_found_page() -> Response {
    bare(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
    )
}

/// A message page outside any handler (no organisation, no nonce needed:
/// it has no style or script of its own).
fn bare(status: StatusCode, heading: &str, text: &str) -> Response {
    let nonce = CspNonce(String::new());
    PageCx {
        organisation: "keyward",
        nonce: &nonce.0,
        csrf: None,
        script: false,
    }
    .message(status, heading, text, Some("/reset"))
}

/// The answer for a service failure on a page: busy and unreachable say
/// to try again; anything else is logged and named only as a failure.
pub fn failure(cx: &PageCx<'_>, e: crate::Error) -> Response {
    match e {
        crate::Error::Busy(_) => cx.message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "The server is busy checking other passwords. Please try again in a moment.",
            None,
        ),
        crate::Error::Unavailable(_) => {
            tracing::warn!(error = %e, "the database cannot be reached");
            cx.message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not available right now",
                "The account database cannot be reached. Please try again in a few minutes.",
                None,
            )
        }
        e => {
            tracing::error!(error = %e, "a page request failed");
            cx.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The server could not do this. Please try again later, or ask your administrator.",
                None,
            )
        }
    }
}

/// Why a new-password form's POST is refused before anything is done with
/// it: a form token that is not this browser's (or a post from another
/// site), or two new passwords that differ. `None`: go on.
pub fn new_password_refusal(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    form_token: &str,
    new: &crate::domain::Password,
    repeat: &crate::domain::Password,
) -> Option<(StatusCode, &'static str)> {
    let settings = &state.settings;
    if !csrf::verify(headers, form_token, settings.secure(), &settings.public_url) {
        return Some((
            StatusCode::FORBIDDEN,
            "This form had expired. Please fill it in again.",
        ));
    }
    if new.expose() != repeat.expose() {
        return Some((
            StatusCode::BAD_REQUEST,
            "The two new passwords differ. Please type them again.",
        ));
    }
    None
}

/// A form body; a bad one is answered with a short page.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(PageForm(value)),
            Err(rejection) => Err(form_rejection(&rejection)),
        }
    }
}

fn form_rejection(rejection: &FormRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        bare(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too much text",
            "The form sent more text than this server accepts. Go back and shorten what you typed.",
        )
    } else {
        bare(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Go back, reload the page and fill in the form again.",
        )
    }
}
