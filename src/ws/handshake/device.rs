//! Device identity verification for `connect` (Ed25519 over the v3/v2 payload).
//!
//! * `device.publicKey`: base64url of the raw 32-byte key, or an SPKI PEM.
//! * `device.id` must be the lowercase sha256 hex of the raw key.
//! * `|now - device.signedAt| <= 2 min`.
//! * `device.nonce` must be non-blank and equal the `connect.challenge` nonce.
//! * `device.signature` (base64url) must verify over
//!   `v3|deviceId|clientId|clientMode|role|scopes(csv)|signedAtMs|token|nonce|platform|deviceFamily`
//!   (platform/deviceFamily trimmed + ASCII-lowercased) or the legacy
//!   `v2|deviceId|clientId|clientMode|role|scopes|signedAtMs|token|nonce`.
//!
//! Failures are `INVALID_REQUEST` with `details {code, reason}` and close 1008.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::ws::frames::ErrorShape;

/// Maximum allowed clock skew between `device.signedAt` and now.
pub const DEVICE_SIGNATURE_SKEW_MS: u64 = 2 * 60 * 1000;

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (followed by the 32 key bytes).
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The `device` object of `connect` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceParams {
    /// sha256 hex of the raw public key.
    pub id: String,
    /// base64url raw key or PEM.
    pub public_key: String,
    /// base64url Ed25519 signature.
    pub signature: String,
    /// Signing time, Unix ms.
    pub signed_at: i64,
    /// The challenge nonce that was signed.
    pub nonce: String,
}

/// Device verification failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceAuthError {
    /// `device.id` is not the key fingerprint.
    IdMismatch,
    /// `signedAt` outside the allowed skew.
    SignatureExpired,
    /// Blank nonce.
    NonceRequired,
    /// Nonce differs from the challenge.
    NonceMismatch,
    /// Signature does not verify (v3 nor v2).
    SignatureInvalid,
    /// Public key not decodable / not a valid Ed25519 point.
    PublicKeyInvalid,
}

impl DeviceAuthError {
    /// Error message, e.g. `"device nonce mismatch"`.
    pub fn message(self) -> &'static str {
        match self {
            Self::IdMismatch => "device identity mismatch",
            Self::SignatureExpired => "device signature expired",
            Self::NonceRequired => "device nonce required",
            Self::NonceMismatch => "device nonce mismatch",
            Self::SignatureInvalid => "device signature invalid",
            Self::PublicKeyInvalid => "device public key invalid",
        }
    }

    /// `details.code`.
    pub fn detail_code(self) -> &'static str {
        match self {
            Self::IdMismatch => "DEVICE_AUTH_DEVICE_ID_MISMATCH",
            Self::SignatureExpired => "DEVICE_AUTH_SIGNATURE_EXPIRED",
            Self::NonceRequired => "DEVICE_AUTH_NONCE_REQUIRED",
            Self::NonceMismatch => "DEVICE_AUTH_NONCE_MISMATCH",
            Self::SignatureInvalid => "DEVICE_AUTH_SIGNATURE_INVALID",
            Self::PublicKeyInvalid => "DEVICE_AUTH_PUBLIC_KEY_INVALID",
        }
    }

    /// `details.reason`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::IdMismatch => "device-id-mismatch",
            Self::SignatureExpired => "device-signature-stale",
            Self::NonceRequired => "device-nonce-missing",
            Self::NonceMismatch => "device-nonce-mismatch",
            Self::SignatureInvalid => "device-signature",
            Self::PublicKeyInvalid => "device-public-key",
        }
    }

    /// `INVALID_REQUEST <message>` with `details {code, reason}`.
    pub fn to_error(self) -> ErrorShape {
        ErrorShape::invalid_request(self.message())
            .with_details(json!({"code": self.detail_code(), "reason": self.reason()}))
    }
}

/// The connect fields bound into the signature payload.
#[derive(Debug, Clone, Copy)]
pub struct SignedFields<'a> {
    /// `client.id`.
    pub client_id: &'a str,
    /// `client.mode`.
    pub client_mode: &'a str,
    /// Role (`operator`/`node`).
    pub role: &'a str,
    /// Scopes exactly as requested (joined with `,`).
    pub scopes: &'a [String],
    /// `auth.token ?? auth.deviceToken ?? auth.bootstrapToken ?? ""`.
    pub token: &'a str,
    /// `client.platform`.
    pub platform: &'a str,
    /// `client.deviceFamily` (or empty).
    pub device_family: &'a str,
}

/// Trim + ASCII-lowercase (OpenClaw `normalizeDeviceMetadataForAuth`).
pub fn normalize_device_metadata(value: &str) -> String {
    value.trim().to_ascii_lowercase()
}

/// The v3 signature payload.
pub fn payload_v3(device_id: &str, signed_at_ms: i64, nonce: &str, f: &SignedFields<'_>) -> String {
    [
        "v3",
        device_id,
        f.client_id,
        f.client_mode,
        f.role,
        &f.scopes.join(","),
        &signed_at_ms.to_string(),
        f.token,
        nonce,
        &normalize_device_metadata(f.platform),
        &normalize_device_metadata(f.device_family),
    ]
    .join("|")
}

/// The legacy v2 signature payload.
pub fn payload_v2(device_id: &str, signed_at_ms: i64, nonce: &str, f: &SignedFields<'_>) -> String {
    [
        "v2",
        device_id,
        f.client_id,
        f.client_mode,
        f.role,
        &f.scopes.join(","),
        &signed_at_ms.to_string(),
        f.token,
        nonce,
    ]
    .join("|")
}

/// Lenient base64 decoding: base64url or standard alphabet, padded or not.
pub fn decode_base64_lenient(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(cleaned).ok()
}

/// Decodes `device.publicKey` (base64url raw 32 bytes, or SPKI PEM) to raw bytes.
pub fn decode_public_key(public_key: &str) -> Option<[u8; 32]> {
    let trimmed = public_key.trim();
    if trimmed.starts_with("-----BEGIN") {
        let body: String = trimmed
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).ok()?;
        let key = der.strip_prefix(&ED25519_SPKI_PREFIX[..])?;
        return key.try_into().ok();
    }
    decode_base64_lenient(trimmed)?.try_into().ok()
}

/// Device id for a raw public key: lowercase sha256 hex.
pub fn device_id_for_key(raw: &[u8; 32]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Verifies a device identity; returns the device id on success.
///
/// Check order: public key decodes → id matches → signedAt fresh → nonce
/// present → nonce matches → signature verifies (v3, then v2).
pub fn verify_device(
    device: &DeviceParams,
    fields: &SignedFields<'_>,
    challenge_nonce: &str,
    now_ms: u64,
) -> Result<String, DeviceAuthError> {
    let raw = decode_public_key(&device.public_key).ok_or(DeviceAuthError::PublicKeyInvalid)?;
    if device_id_for_key(&raw) != device.id {
        return Err(DeviceAuthError::IdMismatch);
    }
    let skew = (now_ms as i128 - device.signed_at as i128).unsigned_abs();
    if skew > DEVICE_SIGNATURE_SKEW_MS as u128 {
        return Err(DeviceAuthError::SignatureExpired);
    }
    let nonce = device.nonce.trim();
    if nonce.is_empty() {
        return Err(DeviceAuthError::NonceRequired);
    }
    if nonce != challenge_nonce {
        return Err(DeviceAuthError::NonceMismatch);
    }
    let key = VerifyingKey::from_bytes(&raw).map_err(|_| DeviceAuthError::PublicKeyInvalid)?;
    let sig_bytes =
        decode_base64_lenient(&device.signature).ok_or(DeviceAuthError::SignatureInvalid)?;
    let signature =
        Signature::from_slice(&sig_bytes).map_err(|_| DeviceAuthError::SignatureInvalid)?;
    let v3 = payload_v3(&device.id, device.signed_at, nonce, fields);
    let v2 = payload_v2(&device.id, device.signed_at, nonce, fields);
    let ok = key.verify_strict(v3.as_bytes(), &signature).is_ok()
        || key.verify_strict(v2.as_bytes(), &signature).is_ok();
    if ok {
        Ok(device.id.clone())
    } else {
        Err(DeviceAuthError::SignatureInvalid)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers to mint valid device identities in tests.
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    /// A deterministic signing key.
    pub fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// base64url raw public key.
    pub fn public_b64(k: &SigningKey) -> String {
        URL_SAFE_NO_PAD.encode(k.verifying_key().as_bytes())
    }

    /// Signs `payload` → base64url signature.
    pub fn sign(k: &SigningKey, payload: &str) -> String {
        URL_SAFE_NO_PAD.encode(k.sign(payload.as_bytes()).to_bytes())
    }

    /// A device object signed over the v3 payload.
    pub fn signed_device(
        k: &SigningKey,
        fields: &SignedFields<'_>,
        nonce: &str,
        signed_at: i64,
    ) -> DeviceParams {
        let id = device_id_for_key(k.verifying_key().as_bytes());
        let signature = sign(k, &payload_v3(&id, signed_at, nonce, fields));
        DeviceParams {
            id,
            public_key: public_b64(k),
            signature,
            signed_at,
            nonce: nonce.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    const NOW: u64 = 1_795_257_604_866;
    const NONCE: &str = "aa272af4-e5ed-438d-8822-bfd60179bb3b";

    fn scopes() -> Vec<String> {
        vec!["operator.read".into(), "operator.write".into()]
    }

    fn fields(scopes: &[String]) -> SignedFields<'_> {
        SignedFields {
            client_id: "cli",
            client_mode: "cli",
            role: "operator",
            scopes,
            token: "peer-token",
            platform: " Linux ",
            device_family: "Linux",
        }
    }

    #[test]
    fn payload_formats() {
        let s = scopes();
        let f = fields(&s);
        assert_eq!(
            payload_v3("dev", 5, "n", &f),
            "v3|dev|cli|cli|operator|operator.read,operator.write|5|peer-token|n|linux|linux"
        );
        assert_eq!(
            payload_v2("dev", 5, "n", &f),
            "v2|dev|cli|cli|operator|operator.read,operator.write|5|peer-token|n"
        );
    }

    #[test]
    fn valid_v3_and_v2_signatures_verify() {
        let s = scopes();
        let f = fields(&s);
        let k = key(7);
        let d = signed_device(&k, &f, NONCE, NOW as i64 - 1000);
        assert_eq!(verify_device(&d, &f, NONCE, NOW), Ok(d.id.clone()));
        let mut v2 = d.clone();
        v2.signature = sign(&k, &payload_v2(&d.id, d.signed_at, NONCE, &f));
        assert_eq!(verify_device(&v2, &f, NONCE, NOW), Ok(d.id.clone()));
    }

    #[test]
    fn pem_public_key_accepted() {
        let s = scopes();
        let f = fields(&s);
        let k = key(9);
        let mut d = signed_device(&k, &f, NONCE, NOW as i64);
        let mut der = ED25519_SPKI_PREFIX.to_vec();
        der.extend_from_slice(k.verifying_key().as_bytes());
        d.public_key = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        );
        assert!(verify_device(&d, &f, NONCE, NOW).is_ok());
    }

    #[test]
    fn each_failure_has_exact_message_and_code() {
        let s = scopes();
        let f = fields(&s);
        let k = key(7);
        let good = signed_device(&k, &f, NONCE, NOW as i64);
        let check = |d: &DeviceParams, want: DeviceAuthError| {
            assert_eq!(verify_device(d, &f, NONCE, NOW), Err(want));
        };
        let mut d = good.clone();
        d.id = "0".repeat(64);
        check(&d, DeviceAuthError::IdMismatch);
        let mut d = good.clone();
        d.signed_at = NOW as i64 - 120_001;
        check(&d, DeviceAuthError::SignatureExpired);
        let mut d = good.clone();
        d.signed_at = NOW as i64 + 120_001;
        check(&d, DeviceAuthError::SignatureExpired);
        let mut d = good.clone();
        d.nonce = "  ".into();
        check(&d, DeviceAuthError::NonceRequired);
        let mut d = good.clone();
        d.nonce = "other".into();
        check(&d, DeviceAuthError::NonceMismatch);
        let mut d = good.clone();
        d.signature = sign(&key(8), &payload_v3(&d.id, d.signed_at, NONCE, &f));
        check(&d, DeviceAuthError::SignatureInvalid);
        let mut d = good.clone();
        d.signature = "!!".into();
        check(&d, DeviceAuthError::SignatureInvalid);
        let mut d = good.clone();
        d.public_key = "abc".into();
        check(&d, DeviceAuthError::PublicKeyInvalid);
        // signed scopes differ from the ones sent → invalid
        let other = vec!["operator.admin".to_string()];
        let f2 = fields(&other);
        assert_eq!(
            verify_device(&good, &f2, NONCE, NOW),
            Err(DeviceAuthError::SignatureInvalid)
        );
        let e = DeviceAuthError::NonceMismatch.to_error();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"INVALID_REQUEST","message":"device nonce mismatch","details":{"code":"DEVICE_AUTH_NONCE_MISMATCH","reason":"device-nonce-mismatch"}}"#
        );
    }

    #[test]
    fn error_tables() {
        use DeviceAuthError::*;
        let all = [
            (
                IdMismatch,
                "device identity mismatch",
                "DEVICE_AUTH_DEVICE_ID_MISMATCH",
                "device-id-mismatch",
            ),
            (
                SignatureExpired,
                "device signature expired",
                "DEVICE_AUTH_SIGNATURE_EXPIRED",
                "device-signature-stale",
            ),
            (
                NonceRequired,
                "device nonce required",
                "DEVICE_AUTH_NONCE_REQUIRED",
                "device-nonce-missing",
            ),
            (
                NonceMismatch,
                "device nonce mismatch",
                "DEVICE_AUTH_NONCE_MISMATCH",
                "device-nonce-mismatch",
            ),
            (
                SignatureInvalid,
                "device signature invalid",
                "DEVICE_AUTH_SIGNATURE_INVALID",
                "device-signature",
            ),
            (
                PublicKeyInvalid,
                "device public key invalid",
                "DEVICE_AUTH_PUBLIC_KEY_INVALID",
                "device-public-key",
            ),
        ];
        for (e, m, c, r) in all {
            assert_eq!((e.message(), e.detail_code(), e.reason()), (m, c, r));
        }
    }

    #[test]
    fn lenient_base64_and_ids() {
        assert_eq!(decode_base64_lenient("_-8"), Some(vec![0xff, 0xef]));
        assert_eq!(decode_base64_lenient("/+8="), Some(vec![0xff, 0xef]));
        let id = device_id_for_key(&[0u8; 32]);
        assert_eq!(
            id,
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
    }
}
