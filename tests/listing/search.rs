//! Search on its own terms: a substring of login, name or email at any
//! length and in any case, following renames and deletions, and with
//! wildcards, quotes and query syntax taken literally.

use crate::both_backends;
use crate::common::ADMIN;
use crate::fixtures::create;
use crate::walkers::{logins, search};
use keyward::domain::{Kind, Role};
use keyward::service::UserFilter;

both_backends!(search_prefix_and_substring, |t| {
    let admin = t.admin().await;
    create(
        &t,
        &admin,
        "anna.b",
        "Anna Berg",
        "anna.berg@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "annika.c",
        "Annika Cole",
        "ac@corp.example.com",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "bert.d",
        "Bert Dahl",
        "bert.dahl@sales.example.net",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "carla.e",
        "Carla Ann Eve",
        "carla@example.org",
        Kind::Portal,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "dora.f",
        "Dora Fisch",
        "zanna@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;

    // A term of any length is a substring of login, name or email.
    assert_eq!(
        search(&t, &admin, "a").await,
        ["anna.b", "annika.c", "bert.d", "carla.e", "dora.f", ADMIN]
    );
    assert_eq!(
        search(&t, &admin, "AN").await,
        ["anna.b", "annika.c", "carla.e", "dora.f"],
        "inside a name (Carla Ann Eve) and an email (zanna@)"
    );
    assert_eq!(search(&t, &admin, "z").await, ["dora.f"], "in an email");
    assert_eq!(
        search(&t, &admin, "fi").await,
        ["dora.f"],
        "the start of a last name (Dora Fisch)"
    );
    assert_eq!(search(&t, &admin, "hl").await, ["bert.d"], "inside a word");
    assert_eq!(search(&t, &admin, "q").await, Vec::<String>::new());
    // Three or more: a substring anywhere.
    assert_eq!(
        search(&t, &admin, "ann").await,
        ["anna.b", "annika.c", "carla.e", "dora.f"]
    );
    assert_eq!(search(&t, &admin, "sales.exa").await, ["bert.d"]);
    assert_eq!(search(&t, &admin, "SALES.EXAMPLE").await, ["bert.d"]);
    assert_eq!(
        search(&t, &admin, "isc").await,
        ["dora.f"],
        "middle of a name"
    );
    assert_eq!(search(&t, &admin, "corp").await, ["annika.c"]);
    assert_eq!(
        search(&t, &admin, "nobody-here").await,
        Vec::<String>::new()
    );
    // Surrounding spaces are ignored; an empty search lists everyone.
    assert_eq!(search(&t, &admin, "  bert.d ").await, ["bert.d"]);
    assert_eq!(search(&t, &admin, "").await.len(), 6);
    assert_eq!(search(&t, &admin, "   ").await.len(), 6);
    // Search combines with other filters.
    let filter = UserFilter {
        search: Some("ann".into()),
        kind: Some(Kind::Staff),
        ..Default::default()
    };
    assert_eq!(
        logins(&t, &admin, filter).await,
        ["anna.b", "annika.c", "dora.f"]
    );
    // Renamed users are found by their new name only.
    let edit = keyward::service::UserEdit {
        name: Some("Berta Quist".into()),
        ..Default::default()
    };
    t.service
        .edit_user(&admin, "bert.d", None, &edit)
        .await
        .unwrap();
    assert_eq!(search(&t, &admin, "quis").await, ["bert.d"]);
    assert_eq!(
        search(&t, &admin, "dahl").await,
        ["bert.d"],
        "still in the email"
    );
    assert_eq!(search(&t, &admin, "bert dahl").await, Vec::<String>::new());
    // Deleted users are gone from the search.
    t.service.delete_user(&admin, "dora.f").await.unwrap();
    assert_eq!(search(&t, &admin, "isc").await, Vec::<String>::new());
});

both_backends!(search_special_characters_match_literally, |t| {
    let admin = t.admin().await;
    create(
        &t,
        &admin,
        "dieter",
        "%Percent Sign",
        "dieter@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "ed_ward",
        "Ed O'Neil \"Quote\" 50%_off",
        "ed@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "edxward",
        "Ed 50xyoff",
        "edx@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "back.slash",
        "Back \\ Slash",
        "bs@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;

    assert_eq!(search(&t, &admin, "%").await, ["dieter", "ed_ward"]);
    assert_eq!(search(&t, &admin, "50%_").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "0%_o").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "d_w").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "ed_").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "_").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "%%%").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "___").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "o'n").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "\"quote\"").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "\"q").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "'").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "\"").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "x%").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "\\ s").await, ["back.slash"]);
    assert_eq!(search(&t, &admin, "\\").await, ["back.slash"]);
    assert_eq!(
        search(&t, &admin, "x' OR '1'='1").await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&t, &admin, "\" OR name:*").await,
        Vec::<String>::new()
    );
    assert_eq!(search(&t, &admin, "NEAR(a b)").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "ward").await, ["ed_ward", "edxward"]);
    // Control characters are dropped, and a huge paste is cut, not an error.
    assert_eq!(search(&t, &admin, "ed_\u{7}").await, ["ed_ward"]);
    assert_eq!(
        search(&t, &admin, &"x".repeat(10_000)).await,
        Vec::<String>::new()
    );
    // A page of one: the first page comes from the walk in login order
    // (store/listing/mod.rs), which must escape the same way.
    for term in [
        "%",
        "50%_",
        "0%_o",
        "d_w",
        "ed_",
        "_",
        "%%%",
        "___",
        "o'n",
        "\"quote\"",
        "\\",
        "e",
    ] {
        let page = t
            .service
            .list_users(
                &admin,
                &UserFilter {
                    search: Some(term.into()),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let first = page.items.first().map(|u| u.login.clone());
        assert_eq!(
            first,
            search(&t, &admin, term).await.first().cloned(),
            "first match of {term:?}"
        );
    }
});
