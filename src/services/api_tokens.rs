//! Organizer API tokens (issue 6): created and revoked in the back office, sent as
//! `Authorization: Bearer`, scoped to one congress, stored only as a SHA-256 hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::{now_utc, tokens, ServiceError};
use crate::db::schema::api_tokens;
use crate::db::DbConnection;
use crate::domain::CongressId;
use crate::domain::OrganizerId;

/// A token as the back office lists it (never the token itself).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
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
}

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
                after: Some(serde_json::json!({ "name": name })),
            },
        )?;
        Ok((id, token))
    })
}

/// The congress's tokens, newest first.
pub fn list(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::congress_id.eq(congress))
        .order(api_tokens::id.desc())
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::created_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load::<(
            i64,
            String,
            NaiveDateTime,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        )>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(
                    |(id, name, created_at, last_used_at, revoked_at)| TokenRow {
                        id,
                        name,
                        created_at,
                        last_used_at,
                        revoked_at,
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

/// The bearer of a valid (known, not revoked) token; notes its use at most once a minute.
pub fn authenticate(conn: &mut DbConnection, token: &str) -> QueryResult<Option<Bearer>> {
    if !tokens::plausible(token) {
        return Ok(None);
    }
    let row: Option<(i64, CongressId, Option<OrganizerId>, Option<NaiveDateTime>)> =
        api_tokens::table
            .filter(api_tokens::token_hash.eq(tokens::hash(token)))
            .filter(api_tokens::revoked_at.is_null())
            .select((
                api_tokens::id,
                api_tokens::congress_id,
                api_tokens::organizer_id,
                api_tokens::last_used_at,
            ))
            .first(conn)
            .optional()?;
    let Some((token_id, congress_id, organizer_id, last)) = row else {
        return Ok(None);
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
    }))
}
