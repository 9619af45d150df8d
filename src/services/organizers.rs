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
use crate::domain::EmailAddress;

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
) -> Result<i64, ServiceError> {
    let email =
        EmailAddress::parse(email).map_err(|e| ServiceError::invalid("email", e.to_string()))?;
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(ServiceError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters long"),
        ));
    }
    let hash = hash_password(password)?;
    write_transaction(conn, |conn| {
        let exists: i64 = organizers::table
            .filter(organizers::email.eq(email.as_str()))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(ServiceError::Conflict(
                "an organizer with this email exists already".into(),
            ));
        }
        let id: i64 = diesel::insert_into(organizers::table)
            .values(NewOrganizer {
                email: email.as_str(),
                display_name: "",
                password_hash: &hash,
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
                entity_id: Some(id),
                before: None,
                after: Some(serde_json::json!({ "is_admin": is_admin })),
            },
        )?;
        Ok(id)
    })
}

/// Gives an organizer a role in a congress (owner, editor, checkin).
pub fn grant_role(
    conn: &mut DbConnection,
    organizer_id: i64,
    congress_id: i64,
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
