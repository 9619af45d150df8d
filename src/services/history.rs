//! Reading the past: published versions with their changelogs, and the audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::ServiceError;
use crate::db::schema::{audit_log, organizers, schedule_versions};
use crate::db::DbConnection;
use crate::domain::programme::Change;
use crate::domain::CongressId;

/// A published version and what it changed.
pub struct VersionEntry {
    pub number: i32,
    pub published_at: NaiveDateTime,
    pub changes: Vec<Change>,
}

/// Every published version of a congress, newest first (one query).
pub fn versions(
    conn: &mut DbConnection,
    congress: CongressId,
) -> Result<Vec<VersionEntry>, ServiceError> {
    let rows: Vec<(i32, NaiveDateTime, String)> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress))
        .order(schedule_versions::number.desc())
        .select((
            schedule_versions::number,
            schedule_versions::published_at,
            schedule_versions::changelog,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(number, published_at, log)| {
            let changes = serde_json::from_str(&log).map_err(|e| {
                ServiceError::Internal(format!("changelog of version {number}: {e}"))
            })?;
            Ok(VersionEntry {
                number,
                published_at,
                changes,
            })
        })
        .collect()
}

/// One audit entry for display.
pub struct AuditEntry {
    pub at: NaiveDateTime,
    pub who: String,
    pub kind: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: String,
    pub after: String,
}

/// created_at, organizer email, actor, kind, entity, entity id, before, after
type AuditRow = (
    NaiveDateTime,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Page size of the audit log.
pub const AUDIT_PAGE: i64 = 100;

/// The audit log of a congress, newest first, optionally of one kind; and the kinds present.
pub fn audit(
    conn: &mut DbConnection,
    congress: CongressId,
    kind: Option<&str>,
    page: i64,
) -> Result<(Vec<AuditEntry>, Vec<String>, bool), ServiceError> {
    let mut q = audit_log::table
        .left_join(organizers::table)
        .filter(audit_log::congress_id.eq(congress))
        .into_boxed();
    if let Some(k) = kind {
        q = q.filter(audit_log::kind.eq(k.to_string()));
    }
    let rows: Vec<AuditRow> = q
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .limit(AUDIT_PAGE + 1)
        .offset(page.max(0).saturating_mul(AUDIT_PAGE))
        .select((
            audit_log::created_at,
            organizers::email.nullable(),
            audit_log::actor,
            audit_log::kind,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::before_value,
            audit_log::after_value,
        ))
        .load(conn)?;
    let more = rows.len() as i64 > AUDIT_PAGE;
    let entries = rows
        .into_iter()
        .take(AUDIT_PAGE as usize)
        .map(
            |(at, email, actor, kind, entity, entity_id, before, after)| AuditEntry {
                at,
                who: email.unwrap_or(actor),
                kind,
                entity,
                entity_id,
                before: before.unwrap_or_default(),
                after: after.unwrap_or_default(),
            },
        )
        .collect();
    let kinds: Vec<String> = audit_log::table
        .filter(audit_log::congress_id.eq(congress))
        .select(audit_log::kind)
        .distinct()
        .order(audit_log::kind)
        .load(conn)?;
    Ok((entries, kinds, more))
}
