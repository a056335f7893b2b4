//! What every handler is given: the service and the settings. Cheap to
//! clone; nothing in it changes while serving.

use super::settings::WebSettings;
use crate::service::Service;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub settings: Arc<WebSettings>,
}

impl AppState {
    pub fn new(service: Service, settings: Arc<WebSettings>) -> AppState {
        AppState { service, settings }
    }
}
