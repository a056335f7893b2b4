//! The audit chain's encoding and checkpoints (`domain::audit`, as
//! `store/audit` writes them): every decoded entry encodes back to an
//! encoding that decodes to the same entry, its MAC verifies under its key
//! and not under another, a changed field changes the MAC, and any line is
//! read as a checkpoint or refused without a panic.
#![no_main]
#![forbid(unsafe_code)]

use keyward::domain::audit::{AuditKey, Canonical, Checkpoint, entry_hash, entry_mac, mac_matches};
use libfuzzer_sys::fuzz_target;

fn key(byte: u8) -> AuditKey {
    match AuditKey::from_hex(&format!("{byte:02x}").repeat(32)) {
        Ok(k) => k,
        Err(e) => panic!("a 64-digit key: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let (a, b) = (key(0x11), key(0x22));
    if let Ok(line) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(line, &a) {
            // Only a line signed with the key is taken, and it reads back.
            assert!(
                Checkpoint::parse(line, &b).is_err(),
                "another key's line taken"
            );
            let again = Checkpoint::parse(&cp.line(&a), &a);
            assert_eq!(again.as_ref().ok(), Some(&cp));
        }
        let _ = AuditKey::from_hex(line);
    }
    let Some(entry) = Canonical::decode(data) else {
        return;
    };
    let bytes = entry.encode();
    assert_eq!(
        Canonical::decode(&bytes).as_ref(),
        Some(&entry),
        "decode(encode(x)) == x"
    );
    assert_eq!(entry.encode(), bytes, "one encoding per entry");
    let mac = entry_mac(&a, &entry);
    assert!(mac_matches(&a, &entry, &mac));
    assert!(!mac_matches(&b, &entry, &mac), "another key's MAC taken");
    assert_ne!(entry_hash(&entry), mac);
    let mut changed = entry.clone();
    changed.actor.push('x');
    assert!(
        !mac_matches(&a, &changed, &mac),
        "a changed actor keeps its MAC"
    );
    let mut changed = entry.clone();
    changed.seq = changed.seq.wrapping_add(1);
    assert!(
        !mac_matches(&a, &changed, &mac),
        "a changed seq keeps its MAC"
    );
});
