//! Which accounts two inboxes share, without either telling the other its key: an HMAC-SHA256
//! of the platform, the base URL and the key, under a random salt kept in the team dir (so the
//! fingerprint cannot be checked against a guessed key by anyone outside the team's group).

use super::dir;
use crate::domain::{ApiKey, PlatformKind};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

const SALT_FILE: &str = "salt";
const SALT_LEN: usize = 32;

/// The team's salt, read once at start.
#[derive(Clone)]
pub struct Salt([u8; SALT_LEN]);

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt([redacted])")
    }
}

impl Salt {
    /// The team dir's salt, made by the first instance ever to start there.
    pub fn load_or_create(team_dir: &Path) -> Result<Salt, String> {
        let path = team_dir.join(SALT_FILE);
        let fresh: [u8; SALT_LEN] = rand::random();
        dir::create_whole(&path, &fresh).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let salt = <[u8; SALT_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
            format!(
                "{} is not a team salt ({} bytes, not {SALT_LEN}); remove it and every instance's team will start afresh",
                path.display(),
                bytes.len()
            )
        })?;
        Ok(Salt(salt))
    }

    /// The account's fingerprint, in hex. A trailing `/` on the base URL names the same server.
    pub fn fingerprint(&self, kind: PlatformKind, base_url: &str, key: &ApiKey) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        for part in [kind.name(), base_url.trim_end_matches('/'), key.expose()] {
            // Lengths first, so no two different triples make the same input.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}
