//! Organizer accounts: argon2id password hashes, instance admins, per-congress roles.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::{now_utc, ServiceError};
use crate::db::rows::NewOrganizer;
use crate::db::schema::{congress_roles, organizers};
use crate::db::{write_transaction, DbConnection};
use crate::domain::CongressId;
use crate::domain::EmailAddress;
use crate::domain::OrganizerId;

/// Shortest password we accept: long enough for a passphrase, short enough to type.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored PHC string; a malformed hash never verifies.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates an organizer (instance admin when `is_admin`). Refuses a taken email or a short
/// password with a message for the person at the keyboard.
pub fn create_organizer(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    is_admin: bool,
    actor: Actor,
) -> Result<OrganizerId, ServiceError> {
    let (email, hash) = new_account(email, password)?;
    write_transaction(conn, |conn| {
        insert_organizer(conn, &email, &hash, is_admin, actor)
    })
}

/// The checks and hashing a new account needs before its transaction. The address is stored
/// case-folded: the login and the team form look an address up lowercased.
fn new_account(email: &str, password: &str) -> Result<(EmailAddress, String), ServiceError> {
    let email = EmailAddress::parse(email)
        .map_err(|e| ServiceError::invalid("email", e.to_string()))?
        .case_folded();
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(ServiceError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters long"),
        ));
    }
    Ok((email, hash_password(password)?))
}

/// Inserts an account (inside the caller's transaction).
fn insert_organizer(
    conn: &mut DbConnection,
    email: &EmailAddress,
    hash: &str,
    is_admin: bool,
    actor: Actor,
) -> Result<OrganizerId, ServiceError> {
    {
        let exists: i64 = organizers::table
            .filter(organizers::email.eq(email))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(ServiceError::Conflict(
                "an organizer with this email exists already".into(),
            ));
        }
        let id: OrganizerId = diesel::insert_into(organizers::table)
            .values(NewOrganizer {
                email,
                display_name: "",
                password_hash: hash,
                is_admin,
                created_at: now_utc(),
            })
            .returning(organizers::id)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: None,
                kind: "organizer.created",
                entity: "organizer",
                entity_id: Some(id.get()),
                before: None,
                after: Some(serde_json::json!({ "is_admin": is_admin })),
            },
        )?;
        Ok(id)
    }
}

/// Creates an organizer who is a member of one congress's team (not an instance admin), in one
/// transaction: no account is left behind without its role when the congress or the role is
/// wrong. `role` is owner, editor or checkin (also written check-in).
pub fn create_team_member(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    congress_slug: &str,
    role: &str,
    actor: Actor,
) -> Result<(OrganizerId, CongressId), ServiceError> {
    let role = match role.trim().to_ascii_lowercase().as_str() {
        "owner" => "owner",
        "editor" => "editor",
        "checkin" | "check-in" => "checkin",
        other => {
            return Err(ServiceError::invalid(
                "role",
                format!("{other:?} is no role: owner, editor or check-in"),
            ))
        }
    };
    let (email, hash) = new_account(email, password)?;
    write_transaction(conn, |conn| {
        let congress: CongressId = crate::db::schema::congresses::table
            .filter(crate::db::schema::congresses::slug.eq(congress_slug))
            .select(crate::db::schema::congresses::id)
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                ServiceError::invalid("congress", format!("no congress {congress_slug:?}"))
            })?;
        let id = insert_organizer(conn, &email, &hash, false, actor)?;
        grant_role(conn, id, congress, role)?;
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress),
                kind: "team.member_added",
                entity: "organizer",
                entity_id: Some(id.get()),
                before: None,
                after: Some(serde_json::json!({ "role": role })),
            },
        )?;
        Ok((id, congress))
    })
}

/// The organizer with this email address (as stored, lowercased domain), if any.
pub fn id_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<OrganizerId>> {
    organizers::table
        .filter(organizers::email.eq(email))
        .select(organizers::id)
        .first(conn)
        .optional()
}

/// Gives an organizer a role in a congress (owner, editor, checkin).
pub fn grant_role(
    conn: &mut DbConnection,
    organizer_id: OrganizerId,
    congress_id: CongressId,
    role: &str,
) -> QueryResult<()> {
    diesel::insert_into(congress_roles::table)
        .values((
            congress_roles::organizer_id.eq(organizer_id),
            congress_roles::congress_id.eq(congress_id),
            congress_roles::role.eq(role),
            congress_roles::created_at.eq(now_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Outcome of a login attempt.
pub enum Login {
    Ok {
        id: OrganizerId,
        password_hash: String,
        session_epoch: i64,
    },
    Wrong,
}

/// Failed logins allowed per client address in `login_window()`, whatever the accounts: sized
/// for a town hall whose staff share one NAT address. Successful logins do not count.
pub const LOGIN_FAILURES_PER_IP: i32 = 50;
pub fn login_window() -> chrono::Duration {
    chrono::Duration::minutes(15)
}

/// Where a login stands after the rate limits.
pub enum LoginStart {
    Throttled,
    /// Within the limits: the password is to be checked.
    Check(PendingLogin),
}

/// A login past the rate limits, waiting for its password check.
pub struct PendingLogin {
    email: String,
    client_ip: String,
    account: Option<(OrganizerId, String, i64)>,
}

impl PendingLogin {
    /// The hash to check the password against (`None`: no such account).
    pub fn stored_hash(&self) -> Option<String> {
        self.account.as_ref().map(|(_, h, _)| h.clone())
    }
}

/// The first step of a login: refuses an address with too many failures, or an account that
/// failed from this address too often just now (`domain::throttle`: growing delays, per
/// account *and* address, so nobody can lock an organizer out); otherwise finds the account.
/// Nothing is counted here: only failures count (`finish_login`). The password is checked apart from the database (see
/// `verify_login_password`), on the bounded hashing pool.
pub fn begin_login(
    conn: &mut DbConnection,
    email: &str,
    client_ip: &str,
) -> Result<LoginStart, ServiceError> {
    use super::rate_limit;
    let now = now_utc();
    let email = email.trim().to_lowercase();
    let ip_bucket = rate_limit::bucket("login-ip", client_ip);
    let pair_bucket = account_at_address(&email, client_ip);
    if rate_limit::is_blocked(conn, &ip_bucket, LOGIN_FAILURES_PER_IP, login_window(), now)?
        || rate_limit::wait_left(
            conn,
            &pair_bucket,
            login_window(),
            crate::domain::throttle::login_delay,
            now,
        )?
        .is_some()
    {
        return Ok(LoginStart::Throttled);
    }
    let account: Option<(OrganizerId, String, i64)> = organizers::table
        .filter(organizers::email.eq(&email))
        .select((
            organizers::id,
            organizers::password_hash,
            organizers::session_epoch,
        ))
        .first(conn)
        .optional()?;
    Ok(LoginStart::Check(PendingLogin {
        email,
        client_ip: client_ip.to_string(),
        account,
    }))
}

/// Checks a login's password. The hash is verified even for unknown accounts (against a real
/// dummy hash), so timing does not tell which accounts exist. CPU- and memory-heavy: run it on
/// the hashing pool, never inside a transaction.
pub fn verify_login_password(password: &str, stored_hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY
        .get_or_init(|| hash_password("no such account, no such password").unwrap_or_default());
    verify_password(password, stored_hash.unwrap_or(dummy)) && stored_hash.is_some()
}

/// The last step of a login: records its outcome (a failure counts against the account).
pub fn finish_login(
    conn: &mut DbConnection,
    pending: PendingLogin,
    password_ok: bool,
) -> Result<Login, ServiceError> {
    use super::rate_limit;
    let now = now_utc();
    let pair_bucket = account_at_address(&pending.email, &pending.client_ip);
    match (password_ok, pending.account) {
        (true, Some((id, password_hash, session_epoch))) => {
            rate_limit::clear(conn, &pair_bucket)?;
            diesel::update(organizers::table.find(id))
                .set(organizers::last_login_at.eq(now))
                .execute(conn)?;
            Ok(Login::Ok {
                id,
                password_hash,
                session_epoch,
            })
        }
        _ => {
            let ip_bucket = rate_limit::bucket("login-ip", &pending.client_ip);
            rate_limit::hit(conn, &ip_bucket, LOGIN_FAILURES_PER_IP, login_window(), now)?;
            rate_limit::hit_sliding(conn, &pair_bucket, login_window(), now)?;
            Ok(Login::Wrong)
        }
    }
}

/// Ends every session of the organizer (logout): the session epoch moves on, and cookies of an
/// earlier epoch are refused on the next request, on every instance.
pub fn end_sessions(conn: &mut DbConnection, organizer: OrganizerId) -> Result<(), ServiceError> {
    diesel::update(organizers::table.find(organizer))
        .set(organizers::session_epoch.eq(organizers::session_epoch + 1))
        .execute(conn)?;
    Ok(())
}

/// The bucket of one account's failures from one client address.
fn account_at_address(email: &str, client_ip: &str) -> String {
    super::rate_limit::bucket("login-account-ip", &format!("{email}\0{client_ip}"))
}

/// The stored password hash of an organizer, to check before a password change.
pub fn password_hash_of(
    conn: &mut DbConnection,
    organizer_id: OrganizerId,
) -> Result<String, ServiceError> {
    Ok(organizers::table
        .find(organizer_id)
        .select(organizers::password_hash)
        .first(conn)?)
}

/// Checks the current password against `stored_hash` and hashes the new one. CPU- and
/// memory-heavy: run it on the hashing pool.
pub fn rehash_password(
    stored_hash: &str,
    current: &str,
    new: &str,
) -> Result<String, ServiceError> {
    if !verify_password(current, stored_hash) {
        return Err(ServiceError::invalid("current", "wrong password"));
    }
    if new.chars().count() < MIN_PASSWORD_LEN {
        return Err(ServiceError::invalid("new", "too short"));
    }
    hash_password(new)
}

/// Stores a new password hash made by `rehash_password` from `old_hash`, unless the password
/// changed meanwhile (another session): every other session ends with it.
pub fn store_password(
    conn: &mut DbConnection,
    organizer_id: OrganizerId,
    old_hash: &str,
    new_hash: &str,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let changed = diesel::update(
            organizers::table
                .find(organizer_id)
                .filter(organizers::password_hash.eq(old_hash)),
        )
        .set(organizers::password_hash.eq(new_hash))
        .execute(conn)?;
        if changed == 0 {
            return Err(ServiceError::Conflict(
                "the password was changed meanwhile".into(),
            ));
        }
        audit::record(
            conn,
            Actor::Organizer(organizer_id),
            AuditEvent {
                congress_id: None,
                kind: "organizer.password_changed",
                entity: "organizer",
                entity_id: Some(organizer_id.get()),
                before: None,
                after: None,
            },
        )?;
        Ok::<_, ServiceError>(())
    })
}

/// A congress in an organizer's list.
pub struct MyCongress {
    pub slug: String,
    pub title: String,
    pub status: crate::domain::CongressStatus,
    pub first_day: chrono::NaiveDate,
    pub role: String,
}

/// The congresses an organizer works on (all of them for instance admins).
pub fn congresses_of(
    conn: &mut DbConnection,
    organizer_id: OrganizerId,
    is_admin: bool,
) -> Result<Vec<MyCongress>, ServiceError> {
    use crate::db::schema::congresses;
    let rows: Vec<(
        String,
        String,
        crate::domain::CongressStatus,
        chrono::NaiveDate,
        Option<String>,
    )> = if is_admin {
        congresses::table
            .left_join(
                congress_roles::table.on(congress_roles::congress_id
                    .eq(congresses::id)
                    .and(congress_roles::organizer_id.eq(organizer_id))),
            )
            .order(congresses::first_day.desc())
            .select((
                congresses::slug,
                congresses::title,
                congresses::status,
                congresses::first_day,
                congress_roles::role.nullable(),
            ))
            .load(conn)?
    } else {
        congresses::table
            .inner_join(congress_roles::table)
            .filter(congress_roles::organizer_id.eq(organizer_id))
            .order(congresses::first_day.desc())
            .select((
                congresses::slug,
                congresses::title,
                congresses::status,
                congresses::first_day,
                congress_roles::role.nullable(),
            ))
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .map(|(slug, title, status, first_day, role)| MyCongress {
            slug,
            title,
            status,
            first_day,
            role: role.unwrap_or_else(|| "admin".into()),
        })
        .collect())
}

/// A member of a congress's team.
pub struct Member {
    pub organizer_id: OrganizerId,
    pub email: String,
    pub role: String,
}

pub fn team_of(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<Member>> {
    let rows: Vec<(OrganizerId, String, String)> = congress_roles::table
        .inner_join(organizers::table)
        .filter(congress_roles::congress_id.eq(congress))
        .order(organizers::email)
        .select((organizers::id, organizers::email, congress_roles::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(organizer_id, email, role)| Member {
            organizer_id,
            email,
            role,
        })
        .collect())
}

fn owners(conn: &mut DbConnection, congress: CongressId) -> QueryResult<i64> {
    congress_roles::table
        .filter(congress_roles::congress_id.eq(congress))
        .filter(congress_roles::role.eq("owner"))
        .count()
        .get_result(conn)
}

/// Adds an existing organizer account to the team, or changes their role. Refuses to leave
/// the congress without an owner.
pub fn set_member(
    conn: &mut DbConnection,
    congress: CongressId,
    email: &str,
    role: &str,
    actor: OrganizerId,
) -> Result<(), ServiceError> {
    if !matches!(role, "owner" | "editor" | "checkin") {
        return Err(ServiceError::invalid("role", "unknown"));
    }
    let email = email.trim().to_lowercase();
    write_transaction(conn, |conn| {
        let id: OrganizerId = organizers::table
            .filter(organizers::email.eq(&email))
            .select(organizers::id)
            .first(conn)
            .optional()?
            .ok_or_else(|| ServiceError::invalid("email", "unknown"))?;
        let before: Option<String> = congress_roles::table
            .filter(congress_roles::congress_id.eq(congress))
            .filter(congress_roles::organizer_id.eq(id))
            .select(congress_roles::role)
            .first(conn)
            .optional()?;
        match &before {
            Some(_) => {
                diesel::update(
                    congress_roles::table
                        .filter(congress_roles::congress_id.eq(congress))
                        .filter(congress_roles::organizer_id.eq(id)),
                )
                .set(congress_roles::role.eq(role))
                .execute(conn)?;
            }
            None => grant_role(conn, id, congress, role)?,
        }
        if owners(conn, congress)? == 0 {
            return Err(ServiceError::Conflict("last owner".into()));
        }
        audit::record(
            conn,
            Actor::Organizer(actor),
            AuditEvent {
                congress_id: Some(congress),
                kind: "team.role_set",
                entity: "organizer",
                entity_id: Some(id.get()),
                before: before.map(|r| serde_json::json!({ "role": r })),
                after: Some(serde_json::json!({ "role": role })),
            },
        )?;
        Ok(())
    })
}

/// Removes someone from the team (never the last owner).
pub fn remove_member(
    conn: &mut DbConnection,
    congress: CongressId,
    organizer: OrganizerId,
    actor: OrganizerId,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before: String = congress_roles::table
            .filter(congress_roles::congress_id.eq(congress))
            .filter(congress_roles::organizer_id.eq(organizer))
            .select(congress_roles::role)
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        diesel::delete(
            congress_roles::table
                .filter(congress_roles::congress_id.eq(congress))
                .filter(congress_roles::organizer_id.eq(organizer)),
        )
        .execute(conn)?;
        if owners(conn, congress)? == 0 {
            return Err(ServiceError::Conflict("last owner".into()));
        }
        audit::record(
            conn,
            Actor::Organizer(actor),
            AuditEvent {
                congress_id: Some(congress),
                kind: "team.removed",
                entity: "organizer",
                entity_id: Some(organizer.get()),
                before: Some(serde_json::json!({ "role": before })),
                after: None,
            },
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
