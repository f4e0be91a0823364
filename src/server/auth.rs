//! `--auth USER:PASSWORD`: the one account of a server, checked at LOGON
//! (the driver's basic auth). Without it boltr accepts any LOGON.

use boltr::error::BoltError;
use boltr::server::{AuthCredentials, AuthInfo, AuthValidator};

pub struct Basic {
    pub user: String,
    pub password: String,
}

/// Compares without stopping at the first difference, so that the time a
/// refusal takes does not tell how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = (a.len() != b.len()) as u8;
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

impl Basic {
    pub fn check(&self, c: &AuthCredentials) -> bool {
        let user_ok = same(c.principal.as_deref().unwrap_or(""), &self.user);
        let password_ok = same(c.credentials.as_deref().unwrap_or(""), &self.password);
        c.scheme == "basic" && user_ok && password_ok
    }
}

#[async_trait::async_trait]
impl AuthValidator for Basic {
    async fn validate(&self, c: &AuthCredentials) -> Result<AuthInfo, BoltError> {
        if self.check(c) {
            Ok(AuthInfo {
                principal: self.user.clone(),
                credentials_expired: false,
            })
        } else {
            // Neo4j's wording; the code makes drivers raise their AuthError.
            Err(BoltError::Authentication(
                "The client is unauthorized due to authentication failure.".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(scheme: &str, user: Option<&str>, pass: Option<&str>) -> AuthCredentials {
        AuthCredentials {
            scheme: scheme.into(),
            principal: user.map(String::from),
            credentials: pass.map(String::from),
        }
    }

    #[test]
    fn only_the_configured_account_logs_on() {
        let b = Basic {
            user: "ana".into(),
            password: "s3cret".into(),
        };
        assert!(b.check(&creds("basic", Some("ana"), Some("s3cret"))));
        assert!(!b.check(&creds("basic", Some("ana"), Some("s3cre"))));
        assert!(!b.check(&creds("basic", Some("ana"), Some("s3cret!"))));
        assert!(!b.check(&creds("basic", Some("bob"), Some("s3cret"))));
        assert!(!b.check(&creds("none", None, None)));
        assert!(!b.check(&creds("bearer", Some("ana"), Some("s3cret"))));
    }
}
