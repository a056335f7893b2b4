//! The users the listing tests create and the filters they go through,
//! shared by the topic files.

use crate::common::TestDb;
use keyward::domain::{Kind, Role};
use keyward::service::{Actor, NewUser, UserFilter};
use keyward::store::StatusFilter;

pub const PW: &str = "violet kettle harbour quince";

pub async fn create(
    t: &TestDb,
    admin: &Actor,
    login: &str,
    name: &str,
    email: &str,
    kind: Kind,
    role: Role,
) {
    let new = NewUser {
        login: login.into(),
        name: name.into(),
        email: email.into(),
        kind,
        role,
        policy: None,
        must_change: false,
    };
    t.service.create_user(admin, &new, None).await.unwrap();
}

/// One filter per status.
pub fn each_status() -> Vec<UserFilter> {
    [
        StatusFilter::Active,
        StatusFilter::Locked,
        StatusFilter::Disabled,
        StatusFilter::MustChange,
        StatusFilter::Inactive,
    ]
    .into_iter()
    .map(|status| UserFilter {
        status: Some(status),
        ..Default::default()
    })
    .collect()
}
