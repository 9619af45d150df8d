//! The `kongress` command line (SPEC §1). Nothing else lives here.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kongress::config::Settings;
use kongress::services::{self, audit::Actor};
use kongress::startup;

#[derive(Parser)]
#[command(
    name = "kongress",
    version,
    about = "Conference management for multi-day congresses"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve the web application.
    Serve {
        /// Listen address (overrides KONGRESS_BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo congress first if the database has no congress yet.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate,
    /// Load the demo congress and exit.
    Demo,
    /// Import a programme from a schedule.xml or schedule.json file (frab, pretalx, c3voc)
    /// into a congress, created if missing; publish it unless --draft.
    Import {
        #[arg(long)]
        congress: String,
        /// The schedule.xml or schedule.json file.
        file: std::path::PathBuf,
        /// Import without publishing a new version.
        #[arg(long)]
        draft: bool,
        /// Put workshops that start at the same time into one workshop block each.
        #[arg(long)]
        group_workshops: bool,
    },
    /// Anonymise the registrations of every congress whose retention period has ended (what
    /// `serve` does every hour); with --dry-run only show what would be removed.
    Retention {
        #[arg(long)]
        dry_run: bool,
    },
    /// Create an organizer: an instance admin, or with --role and --congress a member of one
    /// congress's team; the password is read from standard input.
    CreateOrganizer {
        #[arg(long)]
        email: String,
        /// owner, editor or check-in (needs --congress); without it, an instance admin.
        #[arg(long, requires = "congress")]
        role: Option<String>,
        /// The congress's short name (slug) the role is in.
        #[arg(long, requires = "role")]
        congress: Option<String>,
    },
}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let mut settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kongress: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(b) = bind {
                if std::env::var("KONGRESS_BASE_URL").is_err() {
                    settings.base_url = format!("http://{b}");
                }
                settings.bind = b;
            }
            serve(settings, demo)
        }
        Command::Migrate => migrate(&settings),
        Command::Retention { dry_run } => retention(&settings, dry_run),
        Command::Demo => load_demo(&settings).map(|_| ()),
        Command::CreateOrganizer {
            email,
            role,
            congress,
        } => create_organizer(&settings, &email, role.zip(congress)),
        Command::Import {
            congress,
            file,
            draft,
            group_workshops,
        } => import(&settings, &congress, &file, (draft, group_workshops)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kongress: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// `kongress retention [--dry-run]`: per congress, when its personal data goes and what goes.
fn retention(settings: &Settings, dry_run: bool) -> CliResult<()> {
    use kongress::db::rows;
    use kongress::db::schema::congresses;
    use kongress::services::retention;
    let (pool, _) = startup::open_database(settings)?;
    let mut conn = pool.get()?;
    let now = services::now_utc();
    if !dry_run {
        let done = retention::sweep(&mut conn, now)?;
        for (slug, c) in &done {
            println!(
                "{slug}: anonymised {} registrations, {} free-text answers, {} sent mails, {} audit entries",
                c.registrations, c.answers, c.mails, c.audit_entries
            );
        }
        if done.is_empty() {
            println!("Nothing to anonymise.");
        }
        return Ok(());
    }
    use diesel::prelude::*;
    let all: Vec<rows::Congress> = congresses::table
        .select(rows::Congress::as_select())
        .order(congresses::id)
        .load(&mut conn)?;
    for c in &all {
        let p = retention::plan(&mut conn, c, now)?;
        println!(
            "{}: kept {} days after {}, removed from {} UTC{}: {} registrations, {} free-text answers, {} sent mails, {} audit entries",
            c.slug,
            c.retention_days,
            c.last_day,
            p.deadline.format("%Y-%m-%d %H:%M"),
            if p.due { " (due now)" } else { "" },
            p.counts.registrations,
            p.counts.answers,
            p.counts.mails,
            p.counts.audit_entries
        );
    }
    Ok(())
}

fn migrate(settings: &Settings) -> CliResult<()> {
    let (pool, _) = startup::open_database(settings)?;
    drop(pool);
    println!("Migrations are up to date.");
    Ok(())
}

/// `kongress import`: prints what it did, or the file's problem (and changes nothing).
fn import(
    settings: &Settings,
    slug: &str,
    file: &std::path::Path,
    (draft, group): (bool, bool),
) -> CliResult<()> {
    use services::import::{ImportError, OverLimit};
    use std::io::Read;
    let limit = settings.import_limits.max_bytes;
    let too_large = || {
        format!(
            "{}: {} (nothing was changed)",
            file.display(),
            OverLimit::Bytes { limit }
        )
    };
    // The size is checked before reading; the read stops one byte past the limit in case the
    // file grew (or is a pipe), so an oversized file never sits in memory.
    let cannot_read = |e: std::io::Error| format!("cannot read {}: {e}", file.display());
    let meta = std::fs::metadata(file).map_err(cannot_read)?;
    if meta.len() > limit as u64 {
        return Err(too_large().into());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(file)
        .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(cannot_read)?;
    if bytes.len() > limit {
        return Err(too_large().into());
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{}: not UTF-8 text (nothing was changed)", file.display()))?;
    let (pool, _) = startup::open_database(settings)?;
    let mut conn = pool.get()?;
    let secret = services::secret::ensure_secret_key(&mut conn, settings.secret_key.as_deref())?;
    let mail = services::Ctx::new(&settings.base_url, secret);
    match services::import::import_file(
        &mut conn,
        slug,
        &text,
        &settings.import_limits,
        services::audit::Actor::Cli,
        services::import::Mode {
            draft,
            group_workshops: group,
        },
        Some(&mail),
    ) {
        Ok(done) => {
            print!("{done}");
            Ok(())
        }
        Err(e @ (ImportError::Bad(_) | ImportError::TooLarge(_) | ImportError::Conflicts(_))) => {
            Err(format!("{}: {e}\n(nothing was changed)", file.display()).into())
        }
        Err(e) => Err(format!("{}: {e}", file.display()).into()),
    }
}

/// glibc raises its mmap threshold whenever a large block is freed, up to 32 MiB; from then on
/// the 19 MiB argon2 buffers come from its per-thread arenas, which keep the memory: twenty
/// logins left about 330 MiB resident for good. A fixed threshold turns that off, so blocks above
/// 128 KiB are mapped and given back on free (RSS 26 MiB after the logins; bench/hostile.sh).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: only tunes malloc; called first thing, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

/// Loads the demo when the database has no congress; prints what it did.
fn load_demo(settings: &Settings) -> CliResult<bool> {
    let (pool, _) = startup::open_database(settings)?;
    let mut conn = pool.get()?;
    if services::demo::any_congress(&mut conn)? {
        println!("The database has a congress already; the demo congress was not loaded.");
        return Ok(false);
    }
    let today = chrono::Local::now().date_naive();
    let secret = services::secret::ensure_secret_key(&mut conn, settings.secret_key.as_deref())?;
    let mail = services::Ctx::new(&settings.base_url, secret);
    let d = services::demo::load(&mut conn, today, Some(&mail))?;
    println!(
        "Demo congress loaded: {} ({} sessions, {} registrations, first day {}).",
        d.slug, d.sessions, d.registrations, d.first_day
    );
    println!("  Programme: {}/{}/program", settings.base_url, d.slug);
    if d.organizer_password.is_empty() {
        println!(
            "  Organizer login: {} (password unchanged)",
            d.organizer_email
        );
    } else {
        println!(
            "  Organizer login: {}  password: {}",
            d.organizer_email, d.organizer_password
        );
    }
    Ok(true)
}

fn serve(settings: Settings, demo: bool) -> CliResult<()> {
    if demo {
        load_demo(&settings)?;
    }
    let bind = settings.bind.clone();
    let base = settings.base_url.clone();
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let app = startup::build(settings)?;
        tracing::info!(bind = %bind, port = app.port, "kongress is listening");
        println!("kongress is listening on {base}");
        app.run_until_stopped().await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

fn create_organizer(
    settings: &Settings,
    email: &str,
    membership: Option<(String, String)>,
) -> CliResult<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "Password (at least {} characters):",
            services::organizers::MIN_PASSWORD_LEN
        );
    }
    let mut password = String::new();
    stdin.lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let (pool, _) = startup::open_database(settings)?;
    let mut conn = pool.get()?;
    match membership {
        None => {
            let id = services::organizers::create_organizer(
                &mut conn,
                email,
                password,
                true,
                Actor::Cli,
            )?;
            println!("Instance admin {email} created (id {id}).");
        }
        Some((role, congress)) => {
            let (id, _) = services::organizers::create_team_member(
                &mut conn,
                email,
                password,
                &congress,
                &role,
                Actor::Cli,
            )?;
            println!("Organizer {email} created (id {id}): {role} of {congress}.");
        }
    }
    Ok(())
}
