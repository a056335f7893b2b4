//! The Audit pane: newest first, filter, details, verify, export.

use super::harness::on_both_backends;
use crossterm::event::KeyCode;
use keyward::domain::Kind;

on_both_backends!(
    audit_pane_lists_filters_verifies_and_exports,
    120,
    32,
    |h| {
        let dir = tempfile::tempdir().unwrap();
        h.app.export_dir = dir.path().to_path_buf();
        h.setup_admin().await;
        h.add_user(
            "anna.b",
            Kind::Staff,
            false,
            Some("violet kettle harbour quince"),
        )
        .await;
        h.add_user("ben.c", Kind::Portal, false, None).await;
        h.key(KeyCode::Char('5')).await;
        h.wait_ms(100).await;
        let screen = h.screen();
        assert!(
            screen.contains("setup.first_admin") && screen.contains("user.create"),
            "{screen}"
        );
        // Newest first: ben.c's creation is on top and selected.
        assert!(screen.contains("▶ 3"), "{screen}");
        // Filter as you type (debounced).
        h.key(KeyCode::Char('/')).await;
        h.text("anna").await;
        h.wait_ms(200).await;
        let screen = h.screen();
        assert!(
            screen.contains("/anna") && screen.contains("anna.b") && !screen.contains("ben.c"),
            "{screen}"
        );
        // Details of the selected entry.
        h.key(KeyCode::Enter).await;
        h.key(KeyCode::Enter).await;
        assert!(
            h.screen().contains("Audit entry") && h.screen().contains("\"email\""),
            "{}",
            h.screen()
        );
        h.key(KeyCode::Esc).await;
        // Verify the chain.
        h.key(KeyCode::Char('v')).await;
        assert!(
            h.screen().contains("chain intact: 3 entries"),
            "{}",
            h.screen()
        );
        // Export the filtered entries.
        h.key(KeyCode::Char('x')).await;
        assert!(h.screen().contains("exported 1 entries"), "{}", h.screen());
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let text = std::fs::read_to_string(file).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["target"], "anna.b");
        assert_eq!(line["action"], "user.create");
        // Esc clears the filter, and never quits.
        h.key(KeyCode::Esc).await;
        h.wait_ms(200).await;
        assert!(h.screen().contains("ben.c") && !h.quit);
        h.draws_at_any_size();
    }
);
