//! `sc://HOST[:PORT][/;key=value;…]`, Spark Connect's connection string.
//! The port defaults to 15002, the server's; of the parameters only
//! `user_id` is used (the session's user), and `use_ssl=true` or a `token`
//! is refused, since this client speaks plain HTTP/2 only.

/// A parsed `sc://` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remote {
    pub host: String,
    pub port: u16,
    pub user_id: Option<String>,
}

pub const DEFAULT_PORT: u16 = 15002;

impl Remote {
    pub fn parse(text: &str) -> Result<Remote, String> {
        let bad = |why: &str| format!("--remote '{text}': {why} (expected sc://HOST:PORT)");
        let rest = text
            .strip_prefix("sc://")
            .ok_or_else(|| bad("not an sc:// address"))?;
        let (authority, params) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            // An IPv6 literal is bracketed: `[::1]:15002`.
            Some((h, p)) if !p.contains(']') => (
                h,
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or_else(|| bad(&format!("bad port '{p}'")))?,
            ),
            _ => (authority, DEFAULT_PORT),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let mut user_id = None;
        for param in params.split(';').filter(|p| !p.is_empty()) {
            let (k, v) = param.split_once('=').unwrap_or((param, ""));
            match k {
                "user_id" => user_id = Some(v.to_string()),
                "use_ssl" if v.eq_ignore_ascii_case("false") => {}
                "use_ssl" | "token" => {
                    return Err(bad(&format!(
                        "'{k}' needs TLS, which this client does not speak"
                    )))
                }
                "session_id" | "user_agent" | "grpc_max_message_size" => {}
                _ => return Err(bad(&format!("unknown parameter '{k}'"))),
            }
        }
        Ok(Remote {
            host: host.to_string(),
            port,
            user_id,
        })
    }

    /// The HTTP/2 address tonic dials.
    pub fn endpoint(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sc://{}:{}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_and_parameters() {
        let r = Remote::parse("sc://localhost:15099/;user_id=ana").unwrap();
        assert_eq!(
            r,
            Remote {
                host: "localhost".into(),
                port: 15099,
                user_id: Some("ana".into())
            }
        );
        assert_eq!(r.endpoint(), "http://localhost:15099");
        assert_eq!(Remote::parse("sc://h").unwrap().port, DEFAULT_PORT);
        assert_eq!(Remote::parse("sc://[::1]:7").unwrap().host, "[::1]");
        assert_eq!(Remote::parse("sc://[::1]").unwrap().port, DEFAULT_PORT);
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        for bad in [
            "http://h:1",
            "sc://:1",
            "sc://h:0",
            "sc://h:x",
            "sc://h:1/;token=t",
            "sc://h:1/;use_ssl=true",
            "sc://h:1/;colour=red",
        ] {
            assert!(Remote::parse(bad).is_err(), "{bad}");
        }
    }
}
