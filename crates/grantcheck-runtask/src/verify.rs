//! Request verification: HCP Terraform signs each request body with the run task's HMAC key
//! (HMAC-SHA512, hex in the `X-TFC-Task-Signature` header). Nothing of a request is acted on
//! before its signature is checked.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-TFC-Task-Signature";

type HmacSha512 = Hmac<Sha512>;

/// The hex HMAC-SHA512 of `body` under `key`, as HCP Terraform sends it.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    // (HMAC takes a key of any length)
    let Ok(mut mac) = HmacSha512::new_from_slice(key) else {
        return String::new();
    };
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(tag.len() * 2);
    for b in tag.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| Some(hex_value(p[0])? << 4 | hex_value(p[1])?))
        .collect()
}

/// Whether `signature` (the header's value, `None` when missing) is the signature of `body`
/// under `key`; the comparison takes the same time wherever the first difference is.
pub fn verify(key: &[u8], body: &[u8], signature: Option<&str>) -> bool {
    let Some(expected) = signature.and_then(decode_hex) else {
        return false;
    };
    let Ok(mut mac) = HmacSha512::new_from_slice(key) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{sign, verify};

    #[test]
    fn a_signature_verifies_only_its_body_under_its_key() {
        let body = br#"{"payload_version":1}"#;
        let sig = sign(b"secret", body);
        assert_eq!(sig.len(), 128);
        assert!(verify(b"secret", body, Some(&sig)));
        assert!(verify(b"secret", body, Some(&sig.to_uppercase())));
        assert!(!verify(b"other", body, Some(&sig)));
        assert!(!verify(b"secret", b"{}", Some(&sig)));
        assert!(!verify(b"secret", body, None));
        assert!(!verify(b"secret", body, Some("")));
        assert!(!verify(b"secret", body, Some("zz")));
        assert!(!verify(b"secret", body, Some(&sig[..126])));
    }

    #[test]
    fn the_known_vector_of_rfc_4231_case_2() {
        // key "Jefe", data "what do ya want for nothing?"
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }
}
