//! RS256 JSON Web Tokens for the sandbox, signed with aws-lc-rs (already in the build for
//! TLS). The key pair is parsed once; signing is then the only cost of a token.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

pub struct Signer {
    key: RsaKeyPair,
    rng: SystemRandom,
    kid: &'static str,
}

impl Signer {
    /// From a PEM `RSA PRIVATE KEY` (PKCS#1).
    pub fn from_pem(pem: &str, kid: &'static str) -> Result<Self, String> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD
            .decode(body.trim())
            .map_err(|e| format!("the key is not PEM: {e}"))?;
        let key = RsaKeyPair::from_der(&der)
            .map_err(|e| format!("the key is not an RSA private key: {e}"))?;
        Ok(Self {
            key,
            rng: SystemRandom::new(),
            kid,
        })
    }

    /// `header.claims.signature`, base64url without padding, header `{"kid", "alg": "RS256"}`
    /// in IAM's order.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, String> {
        let header = format!(r#"{{"kid":"{}","alg":"RS256"}}"#, self.kid);
        let claims = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
        let mut token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "signing failed".to_owned())?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    #[test]
    fn tokens_verify_with_the_public_key() {
        let signer = Signer::from_pem(include_str!("signing-key.pem"), "k1").unwrap();
        let token = signer
            .sign(&serde_json::json!({"sub": "x", "exp": 1}))
            .unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[0]).unwrap(),
            br#"{"kid":"k1","alg":"RS256"}"#
        );
        use aws_lc_rs::signature::KeyPair as _;
        let public = signer.key.public_key().as_ref().to_vec();
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let message = format!("{}.{}", parts[0], parts[1]);
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public)
            .verify(message.as_bytes(), &signature)
            .unwrap();
    }
}
