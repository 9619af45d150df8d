//! The audit trail: who changed what, when.

use diesel::prelude::*;

use crate::db::rows::NewAuditEntry;
use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::domain::{CongressId, OrganizerId};

/// Who made a change.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Organizer(OrganizerId),
    /// The command line (`kongress demo`, `import`, `create-organizer`).
    Cli,
    System,
    /// A participant through their private link or the public form.
    Participant,
    /// A speaker through their private link.
    Speaker,
}

impl Actor {
    fn parts(self) -> (&'static str, Option<OrganizerId>) {
        match self {
            Actor::Organizer(id) => ("organizer", Some(id)),
            Actor::Cli => ("cli", None),
            Actor::System => ("system", None),
            Actor::Participant => ("participant", None),
            Actor::Speaker => ("speaker", None),
        }
    }
}

/// One change for the audit log; `before`/`after` are JSON of the changed fields.
pub struct AuditEvent<'a> {
    pub congress_id: Option<CongressId>,
    pub kind: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Writes the event in the caller's transaction.
pub fn record(conn: &mut DbConnection, actor: Actor, event: AuditEvent<'_>) -> QueryResult<()> {
    let (actor_name, organizer_id) = actor.parts();
    let before = event.before.map(|v| v.to_string());
    let after = event.after.map(|v| v.to_string());
    diesel::insert_into(audit_log::table)
        .values(NewAuditEntry {
            congress_id: event.congress_id,
            organizer_id,
            actor: actor_name,
            kind: event.kind,
            entity: event.entity,
            entity_id: event.entity_id,
            before_value: before.as_deref(),
            after_value: after.as_deref(),
            created_at: super::now_utc(),
        })
        .execute(conn)?;
    Ok(())
}

/// Records a change to one row of a congress; the entity is the part of `kind` before the dot
/// ("room.created" → "room").
pub fn change(
    conn: &mut DbConnection,
    actor: Actor,
    congress: CongressId,
    kind: &str,
    id: impl Into<i64>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> QueryResult<()> {
    let id: i64 = id.into();
    record(
        conn,
        actor,
        AuditEvent {
            congress_id: Some(congress),
            kind,
            entity: kind.split('.').next().unwrap_or(kind),
            entity_id: Some(id),
            before,
            after,
        },
    )
}
