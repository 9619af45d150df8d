//! Settings from the environment (SPEC §1). Built once in `main` and passed explicitly.

use std::path::PathBuf;

/// Everything the service reads from its environment. Its `Debug` leaves out the secret key
/// and the passwords in the database and SMTP URLs, so a logged or panicking `Settings` shows
/// no credentials.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub base_url: String,
    /// Hex-encoded; `None` means "generate once and keep it in the database".
    pub secret_key: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: String,
    /// HTTP worker threads; `None` lets actix pick one per core.
    pub workers: Option<usize>,
    /// Database connections per instance at most (`KONGRESS_POOL_SIZE`).
    pub pool_size: u32,
    /// Idle connections kept open (`KONGRESS_POOL_MIN_IDLE`); the pool grows to `pool_size`
    /// under load and closes idle extras after ten minutes.
    pub pool_min_idle: u32,
    /// Registrations accepted per client address in ten minutes
    /// (`KONGRESS_REGISTRATION_LIMIT`): sized for a town hall behind one NAT.
    pub registration_limit: i32,
    /// Registrations accepted per email address in ten minutes
    /// (`KONGRESS_REGISTRATION_LIMIT_PER_EMAIL`).
    pub registration_limit_per_email: i32,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For`/`X-Forwarded-Proto` are believed
    /// (`KONGRESS_TRUSTED_PROXIES`, comma-separated CIDRs); from any other peer they are
    /// ignored.
    pub trusted_proxies: Vec<Cidr>,
    /// What a programme import accepts (`KONGRESS_IMPORT_MAX_BYTES`, `…_MAX_EVENTS`).
    pub import_limits: ImportLimits,
    /// Password hashes run at once (`KONGRESS_HASH_THREADS`; default one per core).
    pub hash_threads: usize,
    /// How long a login waits for a hashing slot before it answers 503.
    pub hash_wait: std::time::Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &without_password(&self.database_url))
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("smtp_url", &self.smtp_url.as_deref().map(without_password))
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .field("workers", &self.workers)
            .field("pool_size", &self.pool_size)
            .field("pool_min_idle", &self.pool_min_idle)
            .field("registration_limit", &self.registration_limit)
            .field(
                "registration_limit_per_email",
                &self.registration_limit_per_email,
            )
            .field("trusted_proxies", &self.trusted_proxies)
            .field("import_limits", &self.import_limits)
            .field("hash_threads", &self.hash_threads)
            .field("hash_wait", &self.hash_wait)
            .finish()
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a
/// range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: std::net::IpAddr,
    bits: u8,
}

impl std::str::FromStr for Cidr {
    type Err = ();

    fn from_str(s: &str) -> Result<Cidr, ()> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| ())?)),
            None => (s, None),
        };
        let net: std::net::IpAddr = addr.parse().map_err(|_| ())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        if bits > max {
            return Err(());
        }
        Ok(Cidr { net, bits })
    }
}

impl Cidr {
    /// Whether `ip` lies in the range (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let prefix = |bytes: &[u8], bits: u8| -> Vec<u8> {
            bytes
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let keep = (bits as usize).saturating_sub(i * 8).min(8);
                    if keep == 0 {
                        0
                    } else {
                        b & (0xffu8 << (8 - keep))
                    }
                })
                .collect()
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                prefix(&n.octets(), self.bits) == prefix(&a.octets(), self.bits)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix(&n.octets(), self.bits) == prefix(&a.octets(), self.bits)
            }
            _ => false,
        }
    }
}

/// A URL with the password of its user part replaced (`smtps://user:<redacted>@host`).
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{scheme}://{user}:<redacted>{}", &rest[at..])
        }
        None => url.to_string(),
    }
}

/// The largest programme file an import reads: refused with a message beyond these, before
/// the file costs more than its own size in memory or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Bytes per file.
    pub max_bytes: usize,
    /// Events (sessions) per file.
    pub max_events: usize,
    /// Attributes on one XML element.
    pub max_attributes: usize,
    /// Nesting of XML elements or JSON objects and lists.
    pub max_depth: usize,
}

impl Default for ImportLimits {
    /// 20 MiB (a FOSDEM-sized schedule.xml is about 3 MB), 10,000 events, 64 attributes,
    /// depth 32 (the formats need 6 in XML, 8 in JSON).
    fn default() -> Self {
        ImportLimits {
            max_bytes: 20 * 1024 * 1024,
            max_events: 10_000,
            max_attributes: 64,
            max_depth: 32,
        }
    }
}

/// A setting that cannot be used as given.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl Settings {
    /// Reads the variables of SPEC §1 through `get`, so tests can pass their own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let database_url =
            non_empty("DATABASE_URL").unwrap_or_else(|| "sqlite://kongress.db".to_string());
        if crate::db::Backend::of_url(&database_url).is_none() {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                message: "must start with sqlite:// or postgres://".into(),
            });
        }
        let bind = non_empty("KONGRESS_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let base_url = non_empty("KONGRESS_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        let secret_key = non_empty("KONGRESS_SECRET_KEY");
        if let Some(key) = &secret_key {
            if key.len() < 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(ConfigError::Invalid {
                    name: "KONGRESS_SECRET_KEY",
                    message: "must be at least 64 hexadecimal characters".into(),
                });
            }
        }
        let positive = |name: &'static str| -> Result<Option<u32>, ConfigError> {
            match non_empty(name) {
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(ConfigError::Invalid {
                        name,
                        message: "must be a positive number".into(),
                    }),
                },
                None => Ok(None),
            }
        };
        // Every PostgreSQL connection is a server process, and several instances share the
        // server's `max_connections` (100 by default): 10 each leaves room for six instances
        // plus maintenance. A SQLite connection is only a file handle.
        let pool_size = positive("KONGRESS_POOL_SIZE")?.unwrap_or(
            match crate::db::Backend::of_url(&database_url) {
                Some(crate::db::Backend::Postgres) => 10,
                _ => 16,
            },
        );
        let pool_min_idle = match non_empty("KONGRESS_POOL_MIN_IDLE") {
            Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "KONGRESS_POOL_MIN_IDLE",
                message: "must be a number (0 or more)".into(),
            })?,
            None => 2,
        };
        if pool_min_idle > pool_size {
            return Err(ConfigError::Invalid {
                name: "KONGRESS_POOL_MIN_IDLE",
                message: format!("must not exceed KONGRESS_POOL_SIZE ({pool_size})"),
            });
        }
        let workers = match non_empty("KONGRESS_WORKERS") {
            Some(v) => Some(v.parse().map_err(|_| ConfigError::Invalid {
                name: "KONGRESS_WORKERS",
                message: "must be a positive number".into(),
            })?),
            None => None,
        };
        let registration_limit = match non_empty("KONGRESS_REGISTRATION_LIMIT") {
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                name: "KONGRESS_REGISTRATION_LIMIT",
                message: "must be a positive number".into(),
            })?,
            None => 200,
        };
        let registration_limit_per_email =
            match non_empty("KONGRESS_REGISTRATION_LIMIT_PER_EMAIL") {
                Some(v) => v.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ConfigError::Invalid {
                        name: "KONGRESS_REGISTRATION_LIMIT_PER_EMAIL",
                        message: "must be a positive number".into(),
                    }
                })?,
                None => 5,
            };
        let trusted_proxies = match non_empty("KONGRESS_TRUSTED_PROXIES") {
            Some(v) => v
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| {
                    c.parse::<Cidr>().map_err(|()| ConfigError::Invalid {
                        name: "KONGRESS_TRUSTED_PROXIES",
                        message: format!(
                            "{c:?} is no address or CIDR range (e.g. 10.0.0.0/8, ::1, fd00::/8)"
                        ),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![],
        };
        let mut import_limits = ImportLimits::default();
        for (name, slot) in [
            ("KONGRESS_IMPORT_MAX_BYTES", &mut import_limits.max_bytes),
            ("KONGRESS_IMPORT_MAX_EVENTS", &mut import_limits.max_events),
        ] {
            if let Some(v) = non_empty(name) {
                *slot = v.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ConfigError::Invalid {
                        name,
                        message: "must be a positive number".into(),
                    }
                })?;
            }
        }
        let hash_threads = match non_empty("KONGRESS_HASH_THREADS") {
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "KONGRESS_HASH_THREADS",
                    message: "must be a positive number".into(),
                })?,
            // One password-hashing slot per core.
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(Settings {
            database_url,
            bind,
            base_url,
            secret_key,
            smtp_url: non_empty("SMTP_URL"),
            mail_dir: PathBuf::from(non_empty("MAIL_DIR").unwrap_or_else(|| "./outbox".into())),
            mail_from: non_empty("MAIL_FROM")
                .unwrap_or_else(|| "kongress <noreply@localhost>".to_string()),
            workers,
            pool_size,
            pool_min_idle,
            registration_limit,
            registration_limit_per_email,
            trusted_proxies,
            import_limits,
            hash_threads,
            hash_wait: std::time::Duration::from_secs(5),
        })
    }

    /// Settings from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_ranges_hold_their_addresses() {
        let c = |s: &str| s.parse::<Cidr>().unwrap();
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert!(c("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!c("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(c("192.168.1.0/25").contains(ip("192.168.1.127")));
        assert!(!c("192.168.1.0/25").contains(ip("192.168.1.128")));
        assert!(c("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!c("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(c("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(c("fd00::/8").contains(ip("fd12::1")));
        assert!(!c("fd00::/8").contains(ip("fe80::1")));
        assert!(
            c("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")),
            "IPv4-mapped"
        );
        assert!(!c("::1").contains(ip("127.0.0.1")));
        for bad in ["10.0.0.0/33", "::/129", "example.org", "10.0.0/8", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        let s = Settings::from_lookup(|k| match k {
            "DATABASE_URL" => Some("sqlite://x.db".into()),
            "KONGRESS_TRUSTED_PROXIES" => Some("10.0.0.0/8, ::1".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(
            (s.registration_limit, s.registration_limit_per_email),
            (200, 5)
        );
        assert!(Settings::from_lookup(|k| match k {
            "DATABASE_URL" => Some("sqlite://x.db".into()),
            "KONGRESS_TRUSTED_PROXIES" => Some("proxy.local".into()),
            _ => None,
        })
        .is_err());
    }
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_with_nothing_set() {
        let s = with(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://kongress.db");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.base_url, "http://127.0.0.1:8080");
        assert_eq!(s.mail_dir, PathBuf::from("./outbox"));
        assert_eq!(s.mail_from, "kongress <noreply@localhost>");
        assert!(s.smtp_url.is_none() && s.secret_key.is_none());
    }

    #[test]
    fn base_url_follows_bind_and_loses_trailing_slash() {
        let s = with(&[("KONGRESS_BIND", "0.0.0.0:9000")]).unwrap();
        assert_eq!(s.base_url, "http://0.0.0.0:9000");
        let s = with(&[("KONGRESS_BASE_URL", "https://kongress.example/")]).unwrap();
        assert_eq!(s.base_url, "https://kongress.example");
    }

    #[test]
    fn rejects_bad_values() {
        assert!(with(&[("DATABASE_URL", "mysql://x")]).is_err());
        assert!(with(&[("KONGRESS_SECRET_KEY", "abc")]).is_err());
        assert!(with(&[("KONGRESS_SECRET_KEY", &"g".repeat(64))]).is_err());
        assert!(with(&[("KONGRESS_SECRET_KEY", &"a1".repeat(32))]).is_ok());
        assert!(with(&[("DATABASE_URL", "postgres://u@h/db")]).is_ok());
        assert!(with(&[("KONGRESS_IMPORT_MAX_BYTES", "lots")]).is_err());
        assert!(with(&[("KONGRESS_IMPORT_MAX_EVENTS", "0")]).is_err());
        assert!(with(&[("KONGRESS_POOL_SIZE", "0")]).is_err());
        assert!(with(&[("KONGRESS_POOL_MIN_IDLE", "-1")]).is_err());
        assert!(with(&[("KONGRESS_POOL_SIZE", "4"), ("KONGRESS_POOL_MIN_IDLE", "5")]).is_err());
    }

    #[test]
    fn debug_shows_no_secret_key_or_passwords() {
        let s = with(&[
            ("KONGRESS_SECRET_KEY", &"a1".repeat(32)),
            (
                "DATABASE_URL",
                "postgres://kongress:dbsecret@db.example:5432/k",
            ),
            ("SMTP_URL", "smtps://mailer:smtpsecret@mail.example:465"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        for secret in ["a1a1a1", "dbsecret", "smtpsecret"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("postgres://kongress:<redacted>@db.example:5432/k"));
        assert!(shown.contains("smtps://mailer:<redacted>@mail.example:465"));
        assert_eq!(
            without_password("sqlite://kongress.db"),
            "sqlite://kongress.db"
        );
        assert_eq!(
            without_password("smtp://localhost:25"),
            "smtp://localhost:25"
        );
    }

    #[test]
    fn import_limits_default_and_from_env() {
        assert_eq!(with(&[]).unwrap().import_limits, ImportLimits::default());
        let s = with(&[
            ("KONGRESS_IMPORT_MAX_BYTES", "1048576"),
            ("KONGRESS_IMPORT_MAX_EVENTS", "50"),
        ])
        .unwrap();
        assert_eq!(s.import_limits.max_bytes, 1_048_576);
        assert_eq!(s.import_limits.max_events, 50);
        assert_eq!(s.import_limits.max_depth, 32);
    }

    #[test]
    fn pool_defaults_fit_several_instances_on_postgres() {
        let s = with(&[]).unwrap();
        assert_eq!((s.pool_size, s.pool_min_idle), (16, 2));
        let s = with(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!((s.pool_size, s.pool_min_idle), (10, 2));
        let s = with(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("KONGRESS_POOL_SIZE", "4"),
            ("KONGRESS_POOL_MIN_IDLE", "1"),
        ])
        .unwrap();
        assert_eq!((s.pool_size, s.pool_min_idle), (4, 1));
    }
}
