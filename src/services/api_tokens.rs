//! Organizer API tokens (issue 6): created and revoked in the back office, sent as
//! `Authorization: Bearer`, scoped to one congress, stored only as a SHA-256 hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::{now_utc, tokens, ServiceError};
use crate::db::schema::{api_tokens, congress_roles, organizers};
use crate::db::DbConnection;
use crate::domain::CongressId;
use crate::domain::OrganizerId;

/// A token as the back office lists it (never the token itself).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    /// The address of the organizer who made it ("" once their account is gone).
    pub creator: String,
    pub read_only: bool,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bearer {
    pub token_id: i64,
    pub congress_id: CongressId,
    pub organizer_id: Option<OrganizerId>,
    /// Made for reading only: every write is refused.
    pub read_only: bool,
    /// Whether the token's creator still holds a role in the congress that allows the API
    /// (editor or owner, or is an instance admin), checked at every use: a token never speaks
    /// for more than the person behind it does today.
    pub creator_may_use: bool,
}

/// The team roles whose holders' tokens work (the API reads registrations and edits the
/// programme, which the back office allows editors and owners).
pub const API_ROLES: &[&str] = &["editor", "owner"];

impl Bearer {
    /// The actor the audit log names for the token's writes.
    pub fn actor(&self) -> Actor {
        match self.organizer_id {
            Some(id) => Actor::Organizer(id),
            None => Actor::System,
        }
    }
}

/// Creates a token and returns it: the only time it is seen in clear.
pub fn create(
    conn: &mut DbConnection,
    congress: CongressId,
    organizer: OrganizerId,
    name: &str,
    read_only: bool,
) -> Result<(i64, String), ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::invalid("name", "1 to 100 characters"));
    }
    let token = tokens::new_token();
    crate::db::write_transaction(conn, |conn| {
        let id: i64 = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::congress_id.eq(congress),
                api_tokens::organizer_id.eq(Some(organizer)),
                api_tokens::name.eq(name),
                api_tokens::token_hash.eq(tokens::hash(&token)),
                api_tokens::created_at.eq(now_utc()),
                api_tokens::read_only.eq(read_only),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        audit::record(
            conn,
            Actor::Organizer(organizer),
            AuditEvent {
                congress_id: Some(congress),
                kind: "api_token.created",
                entity: "api_token",
                entity_id: Some(id),
                before: None,
                after: Some(serde_json::json!({ "name": name, "read_only": read_only })),
            },
        )?;
        Ok((id, token))
    })
}

/// The congress's tokens, newest first, with their creators.
pub fn list(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<TokenRow>> {
    type Row = (
        i64,
        String,
        Option<String>,
        bool,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    api_tokens::table
        .left_join(organizers::table)
        .filter(api_tokens::congress_id.eq(congress))
        .order(api_tokens::id.desc())
        .select((
            api_tokens::id,
            api_tokens::name,
            organizers::email.nullable(),
            api_tokens::read_only,
            api_tokens::created_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load::<Row>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(
                    |(id, name, creator, read_only, created_at, last_used_at, revoked_at)| {
                        TokenRow {
                            id,
                            name,
                            creator: creator.unwrap_or_default(),
                            read_only,
                            created_at,
                            last_used_at,
                            revoked_at,
                        }
                    },
                )
                .collect()
        })
}

/// Revokes a token of the congress (at once, on every instance).
pub fn revoke(
    conn: &mut DbConnection,
    congress: CongressId,
    id: crate::domain::ApiTokenId,
    actor: Actor,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let n = diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(id))
                .filter(api_tokens::congress_id.eq(congress))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(now_utc())))
        .execute(conn)?;
        if n == 0 {
            return Err(ServiceError::NotFound);
        }
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress),
                kind: "api_token.revoked",
                entity: "api_token",
                entity_id: Some(id.get()),
                before: None,
                after: None,
            },
        )?;
        Ok(())
    })
}

/// The bearer of a valid (known, not revoked) token, with what its creator may do today;
/// notes its use at most once a minute.
pub fn authenticate(conn: &mut DbConnection, token: &str) -> QueryResult<Option<Bearer>> {
    if !tokens::plausible(token) {
        return Ok(None);
    }
    type Row = (
        i64,
        CongressId,
        Option<OrganizerId>,
        bool,
        Option<NaiveDateTime>,
        Option<bool>,
    );
    let row: Option<Row> = api_tokens::table
        .left_join(organizers::table)
        .filter(api_tokens::token_hash.eq(tokens::hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::congress_id,
            api_tokens::organizer_id,
            api_tokens::read_only,
            api_tokens::last_used_at,
            organizers::is_admin.nullable(),
        ))
        .first(conn)
        .optional()?;
    let Some((token_id, congress_id, organizer_id, read_only, last, is_admin)) = row else {
        return Ok(None);
    };
    let creator_may_use = match (organizer_id, is_admin) {
        (Some(_), Some(true)) => true,
        (Some(o), Some(false)) => {
            congress_roles::table
                .filter(congress_roles::organizer_id.eq(o))
                .filter(congress_roles::congress_id.eq(congress_id))
                .filter(congress_roles::role.eq_any(API_ROLES))
                .count()
                .get_result::<i64>(conn)?
                > 0
        }
        // The account is gone.
        _ => false,
    };
    let now = now_utc();
    if last.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
        diesel::update(api_tokens::table.find(token_id))
            .set(api_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(Some(Bearer {
        token_id,
        congress_id,
        organizer_id,
        read_only,
        creator_may_use,
    }))
}
