//! Resources: create, rename, describe, grant levels, revoke, delete.

mod common;

use keyward::Error;
use keyward::domain::{AccessLevel, Kind, Role};

const PW: &str = "violet kettle harbour quince";

both_backends!(rename_describe_and_delete, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "amy.one", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "ben.two", Kind::Staff, Role::User, PW)
        .await;
    s.add_resource(&admin, "Mobile app", "Field app")
        .await
        .unwrap();
    s.add_resource(&admin, "Payroll", "").await.unwrap();
    s.grant(&admin, "mobile app", "amy.one", AccessLevel::Read)
        .await
        .unwrap();
    s.grant(&admin, "Mobile app", "ben.two", AccessLevel::Standard)
        .await
        .unwrap();
    // Changing a level is a grant again.
    s.grant(&admin, "Mobile app", "amy.one", AccessLevel::Manage)
        .await
        .unwrap();
    let users = s
        .resource_users(&admin, "Mobile app", None, 10)
        .await
        .unwrap();
    assert_eq!(
        users
            .iter()
            .map(|g| (g.login.as_str(), g.level.as_str()))
            .collect::<Vec<_>>(),
        vec![("amy.one", "manage"), ("ben.two", "standard")]
    );
    // Rename and describe; the grants follow.
    let r = s
        .update_resource(
            &admin,
            "Mobile app",
            Some("Field app"),
            Some("iOS and Android"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.name.as_str(), r.description.as_str(), r.users),
        ("Field app", "iOS and Android", 2)
    );
    assert!(matches!(
        s.update_resource(&admin, "Field app", Some("payroll"), None)
            .await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        s.update_resource(&admin, "Field app", Some(""), None).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.update_resource(&admin, "Field app", None, Some("bad\u{7}"))
            .await,
        Err(Error::Invalid(_))
    ));
    // Delete: both lose access, and it is audited.
    assert_eq!(s.delete_resource(&admin, "Field app").await.unwrap(), 2);
    assert!(
        s.get_user(&admin, "amy.one")
            .await
            .unwrap()
            .resources
            .is_empty()
    );
    let names: Vec<String> = s
        .list_resources(&admin)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["Payroll"]);
    let audit = s.audit(&admin, Some("resource."), None, 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "resource.delete" && e.target == "Field app")
    );
    assert!(audit.iter().any(|e| e.action == "resource.edit"));
});

both_backends!(only_admins_manage_resources, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    s.add_resource(&admin, "Payroll", "").await.unwrap();
    t.add_user(
        &admin,
        "mgr.one",
        Kind::Staff,
        Role::Manager,
        "manager long passphrase here",
    )
    .await;
    let manager = t.sign_in("mgr.one", "manager long passphrase here").await;
    assert!(matches!(
        s.delete_resource(&manager, "Payroll").await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        s.update_resource(&manager, "Payroll", Some("Pay"), None)
            .await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(s.list_resources(&manager).await.unwrap().len(), 1);
});
