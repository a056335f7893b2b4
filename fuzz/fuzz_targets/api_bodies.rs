//! `keyward serve`'s JSON bodies (`serve::bodies`, the request types of
//! src/serve/api/): any bytes are read as each body the way the routes read
//! them (serde_json) or refused, never a panic, and the passwords in a body
//! that is taken are NFC. (serde also takes a JSON array of the fields in
//! order; the router target checks what the routes answer to one.)
#![no_main]
#![forbid(unsafe_code)]

use keyward::serve::bodies::{
    ChangeRequest, CheckRequest, RedeemRequest, ResetRequest, RevalidateRequest, SignInRequest,
};
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

fn nfc(pw: &keyward::domain::Password) {
    let s = pw.expose();
    assert!(s.nfc().eq(s.chars()), "a body's password is not NFC");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = serde_json::from_slice::<SignInRequest>(data) {
        nfc(&b.password);
    }
    if let Ok(b) = serde_json::from_slice::<ChangeRequest>(data) {
        nfc(&b.new_password);
        if let Some(p) = &b.current_password {
            nfc(p);
        }
    }
    if let Ok(b) = serde_json::from_slice::<CheckRequest>(data) {
        nfc(&b.password);
    }
    if let Ok(b) = serde_json::from_slice::<RedeemRequest>(data) {
        nfc(&b.new_password);
    }
    let _ = serde_json::from_slice::<ResetRequest>(data);
    let _ = serde_json::from_slice::<RevalidateRequest>(data);
});
