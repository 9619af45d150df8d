//! Creating a congress and changing its settings.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor, AuditEvent};
use super::Ctx;
use super::{new_guid, now_utc, ServiceError};
use crate::db::rows::{self, NewCongress, NewCongressDay};
use crate::db::schema::{congress_days, congresses, sessions};
use crate::db::{write_transaction, DbConnection};
use crate::domain::time::congress_days as days_between;
use crate::domain::OrganizerId;
use crate::domain::{CongressId, Slug};
use crate::domain::{CongressStatus, SessionStatus};

/// Validated settings of a congress (times already in UTC).
#[derive(Debug, Clone, Serialize)]
pub struct CongressSettings {
    pub slug: Slug,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub venue_name: String,
    pub venue_address: String,
    pub time_zone: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub languages: String,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
    pub capacity: Option<i32>,
    pub status: CongressStatus,
}

/// Labels of one congress day.
#[derive(Debug, Clone, Serialize)]
pub struct DayLabel {
    pub day: NaiveDate,
    pub label: String,
    pub label_en: String,
}

fn slug_taken(
    conn: &mut DbConnection,
    slug: &Slug,
    except: Option<CongressId>,
) -> QueryResult<bool> {
    let mut q = congresses::table
        .filter(congresses::slug.eq(slug))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(congresses::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// Creates a congress as a draft with its day rows, grants `creator` the owner role and
/// records it, in one transaction.
pub fn create(
    conn: &mut DbConnection,
    s: &CongressSettings,
    creator: OrganizerId,
) -> Result<CongressId, ServiceError> {
    write_transaction(conn, |conn| {
        create_in(conn, s, Some(creator), Actor::Organizer(creator)).map(|(id, _)| id)
    })
}

/// The one way a congress comes into being (the back office, the import of a schedule file
/// and the demo all use it), inside the caller's transaction: checks the slug, inserts the
/// draft, makes its day rows, grants `owner` the owner role when there is one, and records it
/// in the audit log as done by `actor`. Returns the id and guid.
pub fn create_in(
    conn: &mut DbConnection,
    s: &CongressSettings,
    owner: Option<OrganizerId>,
    actor: Actor,
) -> Result<(CongressId, String), ServiceError> {
    if slug_taken(conn, &s.slug, None)? {
        return Err(ServiceError::invalid("slug", "taken"));
    }
    let now = now_utc();
    let guid = new_guid();
    let id: CongressId = diesel::insert_into(congresses::table)
        .values(NewCongress {
            slug: &s.slug,
            title: &s.title,
            subtitle: &s.subtitle,
            description: &s.description,
            venue_name: &s.venue_name,
            venue_address: &s.venue_address,
            time_zone: &s.time_zone,
            first_day: s.first_day,
            last_day: s.last_day,
            languages: &s.languages,
            registration_opens_at: s.registration_opens_at,
            registration_closes_at: s.registration_closes_at,
            capacity: s.capacity,
            status: CongressStatus::Draft,
            guid: &guid,
            created_at: now,
            updated_at: now,
        })
        .returning(congresses::id)
        .get_result(conn)?;
    sync_days(conn, id, s.first_day, s.last_day)?;
    if let Some(owner) = owner {
        super::organizers::grant_role(conn, owner, id, "owner")?;
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            congress_id: Some(id),
            kind: "congress.created",
            entity: "congress",
            entity_id: Some(id.get()),
            before: None,
            after: serde_json::to_value(s).ok(),
        },
    )?;
    Ok((id, guid))
}

/// Makes the day rows match the date range: days outside it go, missing ones are added, labels
/// of the others stay.
fn sync_days(
    conn: &mut DbConnection,
    id: CongressId,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<()> {
    diesel::delete(
        congress_days::table
            .filter(congress_days::congress_id.eq(id))
            .filter(congress_days::day.lt(first).or(congress_days::day.gt(last))),
    )
    .execute(conn)?;
    let existing: Vec<NaiveDate> = congress_days::table
        .filter(congress_days::congress_id.eq(id))
        .select(congress_days::day)
        .load(conn)?;
    for day in days_between(first, last) {
        if !existing.contains(&day) {
            diesel::insert_into(congress_days::table)
                .values(NewCongressDay {
                    congress_id: id,
                    day,
                    label: "",
                    label_en: "",
                })
                .execute(conn)?;
        }
    }
    Ok(())
}

pub use crate::db::queries::days;

/// Saves the settings and day labels; refuses a date range that would leave scheduled sessions
/// outside the congress days.
pub fn update(
    conn: &mut DbConnection,
    mail: &Ctx,
    id: CongressId,
    s: &CongressSettings,
    labels: &[DayLabel],
    actor: OrganizerId,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before: rows::Congress = congresses::table
            .find(id)
            .select(rows::Congress::as_select())
            .first(conn)?;
        if slug_taken(conn, &s.slug, Some(id))? {
            return Err(ServiceError::invalid("slug", "taken"));
        }
        let tz = crate::domain::time::parse_time_zone(&s.time_zone)
            .map_err(|e| ServiceError::invalid("time_zone", e.to_string()))?;
        if let Some(window) = crate::domain::time::congress_window_utc(tz, s.first_day, s.last_day)
        {
            let outside: i64 = sessions::table
                .filter(sessions::congress_id.eq(id))
                .filter(sessions::status.eq(SessionStatus::Scheduled))
                .filter(
                    sessions::starts_at
                        .lt(window.start().naive_utc())
                        .or(sessions::ends_at.gt(window.end().naive_utc())),
                )
                .count()
                .get_result(conn)?;
            if outside > 0 {
                return Err(ServiceError::invalid("last_day", format!("{outside}")));
            }
        }
        diesel::update(congresses::table.find(id))
            .set((
                congresses::slug.eq(&s.slug),
                congresses::title.eq(&s.title),
                congresses::subtitle.eq(&s.subtitle),
                congresses::description.eq(&s.description),
                congresses::venue_name.eq(&s.venue_name),
                congresses::venue_address.eq(&s.venue_address),
                congresses::time_zone.eq(&s.time_zone),
                congresses::first_day.eq(s.first_day),
                congresses::last_day.eq(s.last_day),
                congresses::languages.eq(&s.languages),
                congresses::registration_opens_at.eq(s.registration_opens_at),
                congresses::registration_closes_at.eq(s.registration_closes_at),
                congresses::capacity.eq(s.capacity),
                congresses::status.eq(&s.status),
                congresses::updated_at.eq(now_utc()),
            ))
            .execute(conn)?;
        sync_days(conn, id, s.first_day, s.last_day)?;
        for l in labels {
            diesel::update(
                congress_days::table
                    .filter(congress_days::congress_id.eq(id))
                    .filter(congress_days::day.eq(l.day)),
            )
            .set((
                congress_days::label.eq(&l.label),
                congress_days::label_en.eq(&l.label_en),
            ))
            .execute(conn)?;
        }
        audit::record(
            conn,
            Actor::Organizer(actor),
            AuditEvent {
                congress_id: Some(id),
                kind: "congress.updated",
                entity: "congress",
                entity_id: Some(id.get()),
                before: Some(serde_json::json!({
                    "slug": before.slug, "title": before.title, "time_zone": before.time_zone,
                    "first_day": before.first_day, "last_day": before.last_day,
                    "capacity": before.capacity, "status": before.status,
                })),
                after: Some(serde_json::json!({
                    "slug": s.slug, "title": s.title, "time_zone": s.time_zone,
                    "first_day": s.first_day, "last_day": s.last_day,
                    "capacity": s.capacity, "status": s.status, "days": labels,
                })),
            },
        )?;
        // A raised capacity lets the first on the congress waitlist in at once (rule 2).
        super::registration::promote_after_capacity_change(
            conn,
            mail,
            super::registration::RaisedCapacity::Congress(id),
            now_utc(),
        )?;
        Ok(())
    })
}

/// A room on one day: (name, sessions, booked minutes).
pub type RoomUsage = (String, usize, i64);

/// Counts for the dashboard.
#[derive(Debug, Default)]
pub struct Dashboard {
    pub by_status: Vec<(SessionStatus, i64)>,
    pub unscheduled: i64,
    pub rooms: i64,
    pub speakers: i64,
    pub version: Option<i32>,
    /// Sessions with errors and with warnings of the schedule rules.
    pub conflict_errors: usize,
    pub conflict_warnings: usize,
    /// Per day: (day, per room: (room name, sessions, booked minutes)).
    pub usage: Vec<(NaiveDate, Vec<RoomUsage>)>,
    /// Changes that publishing now would make public.
    pub unpublished_changes: usize,
}

pub fn dashboard(conn: &mut DbConnection, id: CongressId) -> Result<Dashboard, ServiceError> {
    use crate::db::schema::{rooms, schedule_versions, speakers};
    let by_status: Vec<(SessionStatus, i64)> = sessions::table
        .filter(sessions::congress_id.eq(id))
        .group_by(sessions::status)
        .select((sessions::status, diesel::dsl::count_star()))
        .order(sessions::status)
        .load(conn)?;
    let unscheduled: i64 = sessions::table
        .filter(sessions::congress_id.eq(id))
        .filter(sessions::status.ne(SessionStatus::Cancelled))
        .filter(sessions::starts_at.is_null())
        .count()
        .get_result(conn)?;
    let rooms: i64 = rooms::table
        .filter(rooms::congress_id.eq(id))
        .count()
        .get_result(conn)?;
    let speakers: i64 = speakers::table
        .filter(speakers::congress_id.eq(id))
        .count()
        .get_result(conn)?;
    let version: Option<i32> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(id))
        .select(diesel::dsl::max(schedule_versions::number))
        .first(conn)?;
    let placements = super::sessions::placements(conn, id)?;
    let (tz, _) = super::sessions::window(conn, id)?;
    // Only the counts are shown here: list nothing, count everything.
    let report = super::sessions::conflict_report(conn, id, &placements, 0)?;
    let conflict_errors = report.sessions_with(crate::domain::Severity::Error);
    let conflict_warnings = report.sessions_with(crate::domain::Severity::Warning);
    let room_rows = super::setup::rooms_of(conn, id)?;
    let mut usage = vec![];
    for d in days(conn, id)? {
        let per_room = room_rows
            .iter()
            .map(|r| {
                let here: Vec<_> = placements
                    .iter()
                    .filter(|p| p.room == Some(r.id))
                    .filter(|p| crate::domain::time::local_date_of(tz, p.range.start()) == d.day)
                    .collect();
                (
                    r.name.clone(),
                    here.len(),
                    here.iter().map(|p| p.range.duration_minutes()).sum(),
                )
            })
            .collect();
        usage.push((d.day, per_room));
    }
    let unpublished_changes = super::publish::preview(conn, id)?.len();
    Ok(Dashboard {
        by_status,
        unscheduled,
        rooms,
        speakers,
        version,
        conflict_errors,
        conflict_warnings,
        usage,
        unpublished_changes,
    })
}
