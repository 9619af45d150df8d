//! Rooms, tracks and participant categories of a congress: create, change, delete — each change
//! audited, deletions refused while something still uses the row.

use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::{new_guid, ServiceError};
use crate::db::rows::{NewCategory, NewRoom, NewTrack};
use crate::db::schema::{
    answers, categories, questions, registrations, rooms, session_speakers, sessions, speakers,
    tracks,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::{CategoryId, CongressId, QuestionId, RoomId, SpeakerId, TrackId};
use crate::services::registration::{self, RaisedCapacity};
use crate::services::Ctx;

/// A room as entered.
#[derive(Debug, Clone, Serialize)]
pub struct RoomInput {
    pub name: String,
    pub capacity: Option<i32>,
    pub accessibility_note: String,
    pub position: i32,
}

/// A track as entered.
#[derive(Debug, Clone, Serialize)]
pub struct TrackInput {
    pub name: String,
    pub colour: String,
    pub position: i32,
}

/// A participant category as entered.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryInput {
    pub name: String,
    pub quota: Option<i32>,
    pub needs_approval: bool,
    pub priority: i32,
    pub position: i32,
}

/// A row of one of the three lists.
#[derive(Debug, Clone, Queryable)]
pub struct RoomRow {
    pub id: RoomId,
    pub name: String,
    pub capacity: Option<i32>,
    pub accessibility_note: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable)]
pub struct TrackRow {
    pub id: TrackId,
    pub name: String,
    pub colour: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub name: String,
    pub quota: Option<i32>,
    pub confirmed_count: i32,
    pub needs_approval: bool,
    pub priority: i32,
    pub position: i32,
}

fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

pub(crate) fn name_taken(e: diesel::result::Error) -> ServiceError {
    if unique_violation(&e) {
        ServiceError::invalid("name", "taken")
    } else {
        ServiceError::Db(e)
    }
}

pub fn rooms_of(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<RoomRow>> {
    rooms::table
        .filter(rooms::congress_id.eq(congress))
        .order((rooms::position, rooms::id))
        .select((
            rooms::id,
            rooms::name,
            rooms::capacity,
            rooms::accessibility_note,
            rooms::position,
        ))
        .load(conn)
}

pub fn room(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RoomId,
) -> Result<RoomRow, ServiceError> {
    rooms::table
        .filter(rooms::congress_id.eq(congress))
        .filter(rooms::id.eq(id))
        .select((
            rooms::id,
            rooms::name,
            rooms::capacity,
            rooms::accessibility_note,
            rooms::position,
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

pub fn add_room(
    conn: &mut DbConnection,
    congress: CongressId,
    r: &RoomInput,
    actor: Actor,
) -> Result<RoomId, ServiceError> {
    write_transaction(conn, |conn| {
        let guid = new_guid();
        let id: RoomId = diesel::insert_into(rooms::table)
            .values(NewRoom {
                congress_id: congress,
                name: &r.name,
                capacity: r.capacity,
                accessibility_note: &r.accessibility_note,
                position: r.position,
                guid: &guid,
            })
            .returning(rooms::id)
            .get_result(conn)
            .map_err(name_taken)?;
        audit::change(
            conn,
            actor,
            congress,
            "room.created",
            id,
            None,
            serde_json::to_value(r).ok(),
        )?;
        Ok(id)
    })
}

pub fn update_room(
    conn: &mut DbConnection,
    mail: &Ctx,
    congress: CongressId,
    id: RoomId,
    r: &RoomInput,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = room(conn, congress, id)?;
        diesel::update(rooms::table.find(id))
            .set((
                rooms::name.eq(&r.name),
                rooms::capacity.eq(r.capacity),
                rooms::accessibility_note.eq(&r.accessibility_note),
                rooms::position.eq(r.position),
            ))
            .execute(conn)
            .map_err(name_taken)?;
        let before = serde_json::json!({"name": before.name, "capacity": before.capacity, "accessibility_note": before.accessibility_note, "position": before.position});
        audit::change(
            conn,
            actor,
            congress,
            "room.updated",
            id,
            Some(before),
            serde_json::to_value(r).ok(),
        )?;
        // More room lets the first waiting people in at once (SPEC §2 rule 2).
        registration::promote_after_capacity_change(
            conn,
            mail,
            RaisedCapacity::Room(id),
            super::now_utc(),
        )?;
        Ok(())
    })
}

pub fn delete_room(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RoomId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = room(conn, congress, id)?;
        let used: i64 = sessions::table
            .filter(sessions::room_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(ServiceError::Conflict("in use".into()));
        }
        diesel::delete(rooms::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "room.deleted",
            id,
            Some(serde_json::json!({"name": before.name})),
            None,
        )?;
        Ok(())
    })
}

pub fn tracks_of(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<TrackRow>> {
    tracks::table
        .filter(tracks::congress_id.eq(congress))
        .order((tracks::position, tracks::id))
        .select((tracks::id, tracks::name, tracks::colour, tracks::position))
        .load(conn)
}

pub fn track(
    conn: &mut DbConnection,
    congress: CongressId,
    id: TrackId,
) -> Result<TrackRow, ServiceError> {
    tracks::table
        .filter(tracks::congress_id.eq(congress))
        .filter(tracks::id.eq(id))
        .select((tracks::id, tracks::name, tracks::colour, tracks::position))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

pub fn add_track(
    conn: &mut DbConnection,
    congress: CongressId,
    t: &TrackInput,
    actor: Actor,
) -> Result<TrackId, ServiceError> {
    write_transaction(conn, |conn| {
        let id: TrackId = diesel::insert_into(tracks::table)
            .values(NewTrack {
                congress_id: congress,
                name: &t.name,
                colour: &t.colour,
                position: t.position,
            })
            .returning(tracks::id)
            .get_result(conn)
            .map_err(name_taken)?;
        audit::change(
            conn,
            actor,
            congress,
            "track.created",
            id,
            None,
            serde_json::to_value(t).ok(),
        )?;
        Ok(id)
    })
}

pub fn update_track(
    conn: &mut DbConnection,
    congress: CongressId,
    id: TrackId,
    t: &TrackInput,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = track(conn, congress, id)?;
        diesel::update(tracks::table.find(id))
            .set((
                tracks::name.eq(&t.name),
                tracks::colour.eq(&t.colour),
                tracks::position.eq(t.position),
            ))
            .execute(conn)
            .map_err(name_taken)?;
        let before = serde_json::json!({"name": before.name, "colour": before.colour, "position": before.position});
        audit::change(
            conn,
            actor,
            congress,
            "track.updated",
            id,
            Some(before),
            serde_json::to_value(t).ok(),
        )?;
        Ok(())
    })
}

pub fn delete_track(
    conn: &mut DbConnection,
    congress: CongressId,
    id: TrackId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = track(conn, congress, id)?;
        let used: i64 = sessions::table
            .filter(sessions::track_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(ServiceError::Conflict("in use".into()));
        }
        diesel::delete(tracks::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "track.deleted",
            id,
            Some(serde_json::json!({"name": before.name})),
            None,
        )?;
        Ok(())
    })
}

pub fn categories_of(
    conn: &mut DbConnection,
    congress: CongressId,
) -> QueryResult<Vec<CategoryRow>> {
    categories::table
        .filter(categories::congress_id.eq(congress))
        .order((categories::position, categories::id))
        .select((
            categories::id,
            categories::name,
            categories::quota,
            categories::confirmed_count,
            categories::needs_approval,
            categories::priority,
            categories::position,
        ))
        .load(conn)
}

pub fn category(
    conn: &mut DbConnection,
    congress: CongressId,
    id: CategoryId,
) -> Result<CategoryRow, ServiceError> {
    categories::table
        .filter(categories::congress_id.eq(congress))
        .filter(categories::id.eq(id))
        .select((
            categories::id,
            categories::name,
            categories::quota,
            categories::confirmed_count,
            categories::needs_approval,
            categories::priority,
            categories::position,
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

pub fn add_category(
    conn: &mut DbConnection,
    congress: CongressId,
    c: &CategoryInput,
    actor: Actor,
) -> Result<CategoryId, ServiceError> {
    write_transaction(conn, |conn| {
        diesel::insert_into(categories::table)
            .values(NewCategory {
                congress_id: congress,
                name: &c.name,
                quota: c.quota,
                needs_approval: c.needs_approval,
                priority: c.priority,
                position: c.position,
            })
            .execute(conn)
            .map_err(name_taken)?;
        let id: CategoryId = categories::table
            .filter(categories::congress_id.eq(congress))
            .filter(categories::name.eq(&c.name))
            .select(categories::id)
            .first(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "category.created",
            id,
            None,
            serde_json::to_value(c).ok(),
        )?;
        Ok(id)
    })
}

/// Changes a category; a quota below the confirmed registrations is refused (rule 1).
pub fn update_category(
    conn: &mut DbConnection,
    mail: &Ctx,
    congress: CongressId,
    id: CategoryId,
    c: &CategoryInput,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = category(conn, congress, id)?;
        if c.quota.is_some_and(|q| q < before.confirmed_count) {
            return Err(ServiceError::invalid(
                "quota",
                before.confirmed_count.to_string(),
            ));
        }
        diesel::update(categories::table.find(id))
            .set((
                categories::name.eq(&c.name),
                categories::quota.eq(c.quota),
                categories::needs_approval.eq(c.needs_approval),
                categories::priority.eq(c.priority),
                categories::position.eq(c.position),
            ))
            .execute(conn)
            .map_err(name_taken)?;
        let before = serde_json::json!({"name": before.name, "quota": before.quota, "needs_approval": before.needs_approval, "priority": before.priority, "position": before.position});
        audit::change(
            conn,
            actor,
            congress,
            "category.updated",
            id,
            Some(before),
            serde_json::to_value(c).ok(),
        )?;
        // More room lets the first waiting people in at once (SPEC §2 rule 2).
        registration::promote_after_capacity_change(
            conn,
            mail,
            RaisedCapacity::Congress(congress),
            super::now_utc(),
        )?;
        Ok(())
    })
}

pub fn delete_category(
    conn: &mut DbConnection,
    congress: CongressId,
    id: CategoryId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = category(conn, congress, id)?;
        let used: i64 = registrations::table
            .filter(registrations::category_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(ServiceError::Conflict("in use".into()));
        }
        diesel::delete(categories::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "category.deleted",
            id,
            Some(serde_json::json!({"name": before.name})),
            None,
        )?;
        Ok(())
    })
}

// ---- registration questions ----

/// Kinds of custom registration question.
pub const QUESTION_KINDS: [&str; 5] = [
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "checkbox",
];

/// A question as entered; `options` only for the choice kinds.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionInput {
    pub label: String,
    pub kind: String,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i32,
}

pub use crate::db::queries::{questions_of, QuestionRow};

pub fn question(
    conn: &mut DbConnection,
    congress: CongressId,
    id: QuestionId,
) -> Result<QuestionRow, ServiceError> {
    questions::table
        .filter(questions::congress_id.eq(congress))
        .filter(questions::id.eq(id))
        .select((
            questions::id,
            questions::label,
            questions::kind,
            questions::options,
            questions::required,
            questions::position,
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

pub fn add_question(
    conn: &mut DbConnection,
    congress: CongressId,
    q: &QuestionInput,
    actor: Actor,
) -> Result<QuestionId, ServiceError> {
    write_transaction(conn, |conn| {
        let options = serde_json::to_string(&q.options).unwrap_or_else(|_| "[]".into());
        let id: QuestionId = diesel::insert_into(questions::table)
            .values((
                questions::congress_id.eq(congress),
                questions::label.eq(&q.label),
                questions::kind.eq(&q.kind),
                questions::options.eq(&options),
                questions::required.eq(q.required),
                questions::position.eq(q.position),
            ))
            .returning(questions::id)
            .get_result(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "question.created",
            id,
            None,
            serde_json::to_value(q).ok(),
        )?;
        Ok(id)
    })
}

pub fn update_question(
    conn: &mut DbConnection,
    congress: CongressId,
    id: QuestionId,
    q: &QuestionInput,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = question(conn, congress, id)?;
        let options = serde_json::to_string(&q.options).unwrap_or_else(|_| "[]".into());
        diesel::update(questions::table.find(id))
            .set((
                questions::label.eq(&q.label),
                questions::kind.eq(&q.kind),
                questions::options.eq(&options),
                questions::required.eq(q.required),
                questions::position.eq(q.position),
            ))
            .execute(conn)?;
        let before = serde_json::json!({"label": before.label, "kind": before.kind, "options": before.choices(), "required": before.required, "position": before.position});
        audit::change(
            conn,
            actor,
            congress,
            "question.updated",
            id,
            Some(before),
            serde_json::to_value(q).ok(),
        )?;
        Ok(())
    })
}

/// Deletes a question and the answers given to it (they are part of registrations' data, so
/// the deletion is audited with the number of answers dropped).
pub fn delete_question(
    conn: &mut DbConnection,
    congress: CongressId,
    id: QuestionId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = question(conn, congress, id)?;
        let answers: i64 = answers::table
            .filter(answers::question_id.eq(id))
            .count()
            .get_result(conn)?;
        diesel::delete(questions::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "question.deleted",
            id,
            Some(serde_json::json!({"label": before.label, "answers": answers})),
            None,
        )?;
        Ok(())
    })
}

// ---- speakers ----

/// A speaker as entered; the email stays private (links and notifications only).
#[derive(Debug, Clone, Serialize)]
pub struct SpeakerInput {
    pub name: String,
    pub organization: String,
    pub position: String,
    pub bio: String,
    pub email: Option<crate::domain::EmailAddress>,
}

#[derive(Debug, Clone, Queryable)]
pub struct SpeakerRow {
    pub id: SpeakerId,
    pub name: String,
    pub organization: String,
    pub position: String,
    pub bio: String,
    pub email: Option<String>,
}

pub fn speakers_of(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<SpeakerRow>> {
    speakers::table
        .filter(speakers::congress_id.eq(congress))
        .order((speakers::name, speakers::id))
        .select((
            speakers::id,
            speakers::name,
            speakers::organization,
            speakers::position,
            speakers::bio,
            speakers::email,
        ))
        .load(conn)
}

pub fn speaker(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SpeakerId,
) -> Result<SpeakerRow, ServiceError> {
    speakers::table
        .filter(speakers::congress_id.eq(congress))
        .filter(speakers::id.eq(id))
        .select((
            speakers::id,
            speakers::name,
            speakers::organization,
            speakers::position,
            speakers::bio,
            speakers::email,
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// The audit record of a speaker never holds the email itself, only whether there is one.
fn speaker_audit(s: &SpeakerInput) -> serde_json::Value {
    serde_json::json!({"name": s.name, "organization": s.organization, "position": s.position, "has_email": s.email.is_some()})
}

pub fn add_speaker(
    conn: &mut DbConnection,
    congress: CongressId,
    s: &SpeakerInput,
    actor: Actor,
) -> Result<SpeakerId, ServiceError> {
    write_transaction(conn, |conn| {
        let now = super::now_utc();
        let guid = new_guid();
        let id: SpeakerId = diesel::insert_into(speakers::table)
            .values(crate::db::rows::NewSpeaker {
                congress_id: congress,
                guid: &guid,
                name: &s.name,
                organization: &s.organization,
                position: &s.position,
                bio: &s.bio,
                email: s.email.as_ref(),
                created_at: now,
                updated_at: now,
            })
            .returning(speakers::id)
            .get_result(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "speaker.created",
            id,
            None,
            Some(speaker_audit(s)),
        )?;
        Ok(id)
    })
}

pub fn update_speaker(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SpeakerId,
    s: &SpeakerInput,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = speaker(conn, congress, id)?;
        diesel::update(speakers::table.find(id))
            .set((
                speakers::name.eq(&s.name),
                speakers::organization.eq(&s.organization),
                speakers::position.eq(&s.position),
                speakers::bio.eq(&s.bio),
                speakers::email.eq(s.email.as_ref()),
                speakers::updated_at.eq(super::now_utc()),
            ))
            .execute(conn)?;
        let before = serde_json::json!({"name": before.name, "organization": before.organization, "position": before.position, "has_email": before.email.is_some()});
        audit::change(
            conn,
            actor,
            congress,
            "speaker.updated",
            id,
            Some(before),
            Some(speaker_audit(s)),
        )?;
        Ok(())
    })
}

pub fn delete_speaker(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SpeakerId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = speaker(conn, congress, id)?;
        let used: i64 = session_speakers::table
            .filter(session_speakers::speaker_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(ServiceError::Conflict("in use".into()));
        }
        diesel::delete(speakers::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "speaker.deleted",
            id,
            Some(serde_json::json!({"name": before.name})),
            None,
        )?;
        Ok(())
    })
}
