//! The command line of SPEC §1, run as a real process against a test database.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::TestDb;

pub fn kongress(db: &TestDb, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kongress"));
    cmd.args(args)
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .env_remove("KONGRESS_SECRET_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("kongress runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_demo_and_create_organizer() {
    let db = TestDb::new();
    let (ok, out, err) = kongress(&db, &["migrate"], None);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = kongress(&db, &["demo"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("Demo congress loaded: smart-city-2027"),
        "{out}"
    );
    assert!(
        out.contains("Organizer login: orga@kongress.example  password: "),
        "{out}"
    );
    // The demo shows registrations in every state, and workshops with waitlists.
    {
        use diesel::prelude::*;
        use kongress::db::schema::{registrations, sessions};
        let mut conn = crate::helpers::connect(&db.url);
        let mut states: Vec<String> = registrations::table
            .select(registrations::status)
            .distinct()
            .load(&mut conn)
            .unwrap();
        states.sort();
        assert_eq!(
            states,
            [
                "awaiting_approval",
                "cancelled",
                "confirmed",
                "pending",
                "waitlisted"
            ]
        );
        let waiting: i64 = sessions::table
            .filter(sessions::waitlisted_count.gt(0))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert!(waiting >= 1, "a full workshop with a waitlist");
    }
    // A second run leaves the existing congress alone.
    let (ok, out, _) = kongress(&db, &["demo"], None);
    assert!(ok);
    assert!(out.contains("was not loaded"), "{out}");

    let (ok, out, err) = kongress(
        &db,
        &["create-organizer", "--email", "admin@example.org"],
        Some("a long enough passphrase\n"),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("Instance admin admin@example.org created"));
    let (ok, _, err) = kongress(
        &db,
        &["create-organizer", "--email", "admin@example.org"],
        Some("a long enough passphrase\n"),
    );
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = kongress(
        &db,
        &["create-organizer", "--email", "x@example.org"],
        Some("short\n"),
    );
    assert!(!ok && err.contains("at least 12 characters"), "{err}");
    let (ok, _, err) = kongress(
        &db,
        &["create-organizer", "--email", "not-an-email"],
        Some("a long enough passphrase\n"),
    );
    assert!(!ok && err.contains("email"), "{err}");

    // A team member of one congress, not an instance admin (the demo congress is loaded).
    let slug = "smart-city-2027";
    let (ok, out, err) = kongress(
        &db,
        &[
            "create-organizer",
            "--email",
            "door@example.org",
            "--role",
            "check-in",
            "--congress",
            slug,
        ],
        Some("a long enough passphrase\n"),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("check-in of smart-city-2027"), "{out}");
    let (ok, _, err) = kongress(
        &db,
        &[
            "create-organizer",
            "--email",
            "ed@example.org",
            "--role",
            "editor",
            "--congress",
            "nope",
        ],
        Some("a long enough passphrase\n"),
    );
    assert!(!ok && err.contains("no congress"), "{err}");
    let (ok, _, err) = kongress(
        &db,
        &[
            "create-organizer",
            "--email",
            "ed@example.org",
            "--role",
            "boss",
            "--congress",
            slug,
        ],
        Some("a long enough passphrase\n"),
    );
    assert!(!ok && err.contains("no role"), "{err}");
    let (ok, _, _) = kongress(
        &db,
        &[
            "create-organizer",
            "--email",
            "ed@example.org",
            "--role",
            "editor",
        ],
        Some("a long enough passphrase\n"),
    );
    assert!(!ok, "--role needs --congress");

    // The stored hash is argon2id, never the password.
    let mut conn = crate::helpers::connect(&db.url);
    use diesel::prelude::*;
    use kongress::db::schema::organizers;
    let hash: String = organizers::table
        .filter(organizers::email.eq("admin@example.org"))
        .select(organizers::password_hash)
        .first(&mut conn)
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("passphrase"));
    // The door keeper is no instance admin but has the check-in role; the refused member was
    // not created at all.
    let (door, admin): (kongress::domain::OrganizerId, bool) = organizers::table
        .filter(organizers::email.eq("door@example.org"))
        .select((organizers::id, organizers::is_admin))
        .first(&mut conn)
        .unwrap();
    assert!(!admin);
    let role: String = kongress::db::schema::congress_roles::table
        .filter(kongress::db::schema::congress_roles::organizer_id.eq(door))
        .select(kongress::db::schema::congress_roles::role)
        .first(&mut conn)
        .unwrap();
    assert_eq!(role, "checkin");
    let ed: i64 = organizers::table
        .filter(organizers::email.eq("ed@example.org"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(ed, 0);
}

#[test]
fn bad_configuration_is_reported_not_panicked() {
    let db = TestDb::new();
    let out = Command::new(env!("CARGO_BIN_EXE_kongress"))
        .arg("migrate")
        .env("DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
    drop(db);
}

/// The demo's organizer owns the demo congress even when the account existed before (a
/// database that had the demo once and lost its congress).
#[test]
fn the_demo_organizer_owns_the_demo_also_when_the_account_existed() {
    use diesel::prelude::*;
    use kongress::db::schema::congress_roles;
    use kongress::services::{audit::Actor, demo, organizers};
    let db = TestDb::new();
    let (ok, out, err) = kongress(&db, &["migrate"], None);
    assert!(ok, "{out}{err}");
    let mut conn = crate::helpers::connect(&db.url);
    let before = organizers::create_organizer(
        &mut conn,
        demo::DEMO_ORGANIZER,
        "a-long-enough-password",
        false,
        Actor::Cli,
    )
    .unwrap();
    let loaded = demo::load(&mut conn, chrono::Utc::now().date_naive(), None).unwrap();
    assert!(loaded.organizer_password.is_empty(), "the password stays");
    let role: String = congress_roles::table
        .filter(congress_roles::organizer_id.eq(before))
        .filter(congress_roles::congress_id.eq(loaded.congress_id))
        .select(congress_roles::role)
        .first(&mut conn)
        .unwrap();
    assert_eq!(role, "owner");
}
