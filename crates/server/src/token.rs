//! Session tokens: `tt1.<session id>.<expiry ms>.<signature>`.
//!
//! The session id is 128 random bits (32 hex digits); the signature is HMAC-SHA256 over the rest
//! with the secret every replica shares, so a forged or altered token is refused without a
//! database read. Expiry is in the token; revocation and the user are in the `sessions` row.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "tt1";
/// Secrets shorter than this are refused: HMAC-SHA256's key should carry at least 256 bits
/// (RFC 2104 section 3: keys shorter than the output length weaken it).
pub const MIN_SECRET_LEN: usize = 32;

/// `n` random bytes as hex, from the operating system's generator.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("the operating system's random generator");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether `id` can be a session id: 32 hex digits (128 bits, [`random_hex`]).
pub fn is_session_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The session id a token names (`tt1.<id>.…`), unchecked: empty for a string that names
/// none. What the server stores in a summary's place of its token.
pub fn id_in(token: &str) -> &str {
    token.split('.').nth(1).unwrap_or_default()
}

/// SHA-256.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// SHA-256 as hex.
pub fn digest_hex(bytes: &[u8]) -> String {
    digest(bytes).iter().map(|x| format!("{x:02x}")).collect()
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of this form.
    Malformed,
    /// The signature does not match (forged or altered).
    BadSignature,
    /// Past its expiry.
    Expired,
}

impl TokenError {
    /// In words, for the 401 answer.
    pub fn message(self) -> &'static str {
        match self {
            TokenError::Malformed => "the session token is malformed",
            TokenError::BadSignature => "the session token's signature is not valid",
            TokenError::Expired => "the session token has expired",
        }
    }
}

/// Makes and checks tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer with `secret` (at least [`MIN_SECRET_LEN`] bytes).
    pub fn new(secret: &[u8]) -> Result<Signer, String> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "the token secret must be at least {MIN_SECRET_LEN} bytes"
            ));
        }
        Ok(Signer {
            key: secret.to_vec(),
        })
    }

    fn mac(&self, body: &str) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        m.update(body.as_bytes());
        m
    }

    /// A token for session `id`, valid until `expires_ms`.
    pub fn make(&self, id: &str, expires_ms: i64) -> String {
        let body = format!("{PREFIX}.{id}.{expires_ms}");
        let sig = URL_SAFE_NO_PAD.encode(self.mac(&body).finalize().into_bytes());
        format!("{body}.{sig}")
    }

    /// The session id of a valid, unexpired token.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<String, TokenError> {
        let (body, sig) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let mut parts = body.split('.');
        let (Some(PREFIX), Some(id), Some(exp), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let id_ok = is_session_id(id);
        let exp: i64 = exp.parse().map_err(|_| TokenError::Malformed)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| TokenError::Malformed)?;
        if !id_ok {
            return Err(TokenError::Malformed);
        }
        // `verify_slice` compares in constant time.
        self.mac(body)
            .verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        if exp <= now_ms {
            return Err(TokenError::Expired);
        }
        Ok(id.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let s = Signer::new(&[7u8; 32]).unwrap();
        let id = random_hex(16);
        let t = s.make(&id, 2_000);
        assert!(telltale_core::summary::valid_token(&t));
        assert_eq!(s.verify(&t, 1_000), Ok(id.clone()));
        assert_eq!(s.verify(&t, 2_000), Err(TokenError::Expired));
        let other = Signer::new(&[8u8; 32]).unwrap();
        assert_eq!(other.verify(&t, 1_000), Err(TokenError::BadSignature));
        let longer = t.replacen(".2000.", ".9000.", 1);
        assert_eq!(s.verify(&longer, 1_000), Err(TokenError::BadSignature));
        for bad in ["", "tt1", "tt1.x.1.y", "a.b.c.d.e", &t[1..]] {
            assert!(s.verify(bad, 1_000).is_err(), "{bad}");
        }
        assert!(Signer::new(b"short").is_err());
    }
}
