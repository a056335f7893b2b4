//! What every handler is given: the service, the settings and the metrics
//! exporter. Cheap to clone; nothing in it changes while serving but the
//! figures.

use super::metrics::Exporter;
use super::settings::WebSettings;
use crate::service::Service;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub settings: Arc<WebSettings>,
    pub metrics: Arc<Exporter>,
}

impl AppState {
    pub fn new(service: Service, settings: Arc<WebSettings>, metrics: Arc<Exporter>) -> AppState {
        AppState {
            service,
            settings,
            metrics,
        }
    }
}
