//! `supplygraph serve DB`: the Bolt server's command line and its safety
//! rules (loopback unless told otherwise; a non-loopback address needs
//! `--auth` or an explicit `--no-auth`).

use super::{EXIT_FAILED, EXIT_OPEN, EXIT_USAGE};
use crate::query::exec::memory::parse_limit;
use crate::server::{self, Options};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// Address to listen on; a port of 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7687")]
    pub listen: String,
    /// The account clients must log on with (or the environment variable
    /// SUPPLYGRAPH_AUTH, which keeps the password out of the process list).
    #[arg(long, value_name = "USER:PASSWORD", conflicts_with = "no_auth")]
    pub auth: Option<String>,
    /// Accept any client, also on a non-loopback address.
    #[arg(long)]
    pub no_auth: bool,
    /// Refuse every statement that would change the database.
    #[arg(long)]
    pub read_only: bool,
    /// Cancel a statement that runs longer than SECS.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Bytes one statement's sorts, groups, DISTINCT sets and results may
    /// hold (512M, 2G, …). Default: half the machine's memory.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Bytes of records, adjacency lists and index buckets kept between
    /// statements (512M, 4G, …). Default: a quarter of the machine's
    /// memory, at least 256M.
    #[arg(long, value_name = "SIZE")]
    pub cache_size: Option<String>,
    /// Roll back an explicit transaction idle for longer than SECS (it holds
    /// the database while open).
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub tx_idle_timeout: f64,
    /// Longest a statement waits for another session's transaction before
    /// failing with a transient error the drivers retry.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub lock_wait: f64,
    /// On Ctrl-C or SIGTERM, how long open transactions may take to finish.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub grace: f64,
}

fn seconds(name: &str, v: f64) -> Result<Duration, String> {
    if v.is_finite() && v > 0.0 && v < 1e9 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(format!("{name} needs a positive number of seconds"))
    }
}

fn options(a: &ServeArgs) -> Result<Options, String> {
    let listen: SocketAddr = a
        .listen
        .to_socket_addrs()
        .map_err(|e| format!("--listen {}: {e}", a.listen))?
        .next()
        .ok_or_else(|| format!("--listen {}: no address", a.listen))?;
    let auth = match a
        .auth
        .clone()
        .or_else(|| std::env::var("SUPPLYGRAPH_AUTH").ok())
    {
        _ if a.no_auth => None,
        Some(s) => match s.split_once(':') {
            Some((u, p)) if !u.is_empty() && !p.is_empty() => Some((u.to_string(), p.to_string())),
            _ => return Err("--auth needs USER:PASSWORD".into()),
        },
        None => None,
    };
    if !listen.ip().is_loopback() && auth.is_none() && !a.no_auth {
        return Err(format!(
            "listening on {listen}, beyond this machine, needs --auth USER:PASSWORD \
             (or --no-auth to accept anyone)"
        ));
    }
    Ok(Options {
        listen,
        auth,
        read_only: a.read_only,
        timeout: a.timeout.map(|t| seconds("--timeout", t)).transpose()?,
        tx_idle: seconds("--tx-idle-timeout", a.tx_idle_timeout)?,
        lock_wait: seconds("--lock-wait", a.lock_wait)?,
        grace: seconds("--grace", a.grace)?,
        memory_limit: a.memory_limit.as_deref().map(parse_limit).transpose()?,
        cache_size: a
            .cache_size
            .as_deref()
            .map(crate::query::exec::memory::parse_cache_size)
            .transpose()?,
    })
}

pub fn serve(a: &ServeArgs) -> ExitCode {
    let opts = match options(a) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error[UsageError]: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let db = match crate::Database::open(&a.db) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{}", e.headline());
            return ExitCode::from(EXIT_OPEN);
        }
    };
    match server::serve(db, &a.db.display().to_string(), opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error[StorageError]: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<Options, String> {
        let t = T::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        options(&t.a)
    }

    #[test]
    fn loopback_by_default_and_auth_required_beyond_it() {
        let o = parse(&["db"]).unwrap();
        assert!(o.listen.ip().is_loopback() && o.auth.is_none());
        let Err(e) = parse(&["db", "--listen", "0.0.0.0:7687"]) else {
            panic!("a public address without auth was accepted")
        };
        assert!(e.contains("--auth"), "{e}");
        let o = parse(&["db", "--listen", "0.0.0.0:7687", "--auth", "u:p:q"]).unwrap();
        assert_eq!(o.auth, Some(("u".into(), "p:q".into())));
        assert!(parse(&["db", "--listen", "0.0.0.0:7687", "--no-auth"]).is_ok());
        assert!(parse(&["db", "--auth", "nopassword"]).is_err());
        assert!(parse(&["db", "--auth", "u:p", "--no-auth"]).is_err());
        assert!(parse(&["db", "--timeout", "0"]).is_err());
        assert!(
            parse(&["db", "--memory-limit", "lots"]).is_err_and(|e| e.contains("--memory-limit"))
        );
        assert_eq!(
            parse(&["db", "--memory-limit", "2M"]).unwrap().memory_limit,
            Some(2 << 20)
        );
        assert!(parse(&["db", "--tx-idle-timeout", "NaN"]).is_err());
    }
}
