//! The public read model: the latest published version of a congress's programme, parsed once
//! and shared from memory until the next publish (SPEC §9). The cache is keyed by version
//! number, so several instances stay correct without talking to each other: each asks the
//! database for the latest number (one small query) and reloads only when it moved.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::ServiceError;
use crate::db::schema::{congresses, schedule_versions, sessions};
use crate::db::DbConnection;
use crate::domain::programme::ProgrammeSnapshot;
use crate::domain::CongressId;
use crate::domain::CongressStatus;
use crate::domain::SessionId;

pub use crate::domain::published::PublishedProgramme;

/// Parsed versions shared by all requests of this instance.
#[derive(Default)]
pub struct ProgrammeCache {
    by_congress: RwLock<HashMap<CongressId, Arc<PublishedProgramme>>>,
}

impl ProgrammeCache {
    fn get(&self, congress_id: CongressId, number: i32) -> Option<Arc<PublishedProgramme>> {
        let map = self.by_congress.read().unwrap_or_else(|e| e.into_inner());
        map.get(&congress_id)
            .filter(|p| p.number == number)
            .cloned()
    }

    fn put(&self, congress_id: CongressId, p: Arc<PublishedProgramme>) {
        let mut map = self.by_congress.write().unwrap_or_else(|e| e.into_inner());
        // Never replace a newer version with an older one loaded by a slower request.
        if map
            .get(&congress_id)
            .is_none_or(|old| old.number < p.number)
        {
            map.insert(congress_id, p);
        }
    }
}

/// The latest published programme of the congress with this slug: one query when cached,
/// two when the version moved. `None` when the slug is unknown or nothing is published.
pub fn latest_by_slug(
    conn: &mut DbConnection,
    cache: &ProgrammeCache,
    slug: &str,
) -> Result<Option<Arc<PublishedProgramme>>, ServiceError> {
    let head: Option<(CongressId, i32)> = schedule_versions::table
        .inner_join(congresses::table)
        .filter(congresses::slug.eq(slug))
        .filter(congresses::status.ne(CongressStatus::Draft))
        .order(schedule_versions::number.desc())
        .select((congresses::id, schedule_versions::number))
        .first(conn)
        .optional()?;
    let Some((congress_id, number)) = head else {
        return Ok(None);
    };
    load_version(conn, cache, congress_id, number).map(Some)
}

/// The latest published programme of a congress by id (for emails written inside a
/// transaction); `None` when nothing is published.
pub fn latest_by_id(
    conn: &mut DbConnection,
    cache: &ProgrammeCache,
    congress_id: CongressId,
) -> Result<Option<Arc<PublishedProgramme>>, ServiceError> {
    let number: Option<i32> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .order(schedule_versions::number.desc())
        .select(schedule_versions::number)
        .first(conn)
        .optional()?;
    match number {
        Some(n) => load_version(conn, cache, congress_id, n).map(Some),
        None => Ok(None),
    }
}

fn load_version(
    conn: &mut DbConnection,
    cache: &ProgrammeCache,
    congress_id: CongressId,
    number: i32,
) -> Result<Arc<PublishedProgramme>, ServiceError> {
    if let Some(p) = cache.get(congress_id, number) {
        return Ok(p);
    }
    let (published_at, json): (NaiveDateTime, String) = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .filter(schedule_versions::number.eq(number))
        .select((schedule_versions::published_at, schedule_versions::snapshot))
        .first(conn)?;
    let snapshot: ProgrammeSnapshot = serde_json::from_str(&json)
        .map_err(|e| ServiceError::Internal(format!("snapshot {congress_id}/{number}: {e}")))?;
    let p = Arc::new(PublishedProgramme::new(number, published_at, snapshot));
    cache.put(congress_id, p.clone());
    Ok(p)
}

/// Live seat counts of a session that takes enrollments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatCount {
    pub enrolled: i32,
    pub waitlisted: i32,
}

/// Seat counts of every session of the congress (one query), read fresh: they change with
/// every enrollment, unlike the published programme.
pub fn live_counts(
    conn: &mut DbConnection,
    congress_id: CongressId,
) -> Result<HashMap<SessionId, SeatCount>, ServiceError> {
    let rows: Vec<(i64, i32, i32)> = sessions::table
        .filter(sessions::congress_id.eq(congress_id))
        .filter(
            sessions::enrolled_count
                .gt(0)
                .or(sessions::waitlisted_count.gt(0))
                .or(sessions::capacity.is_not_null()),
        )
        .select((
            sessions::id,
            sessions::enrolled_count,
            sessions::waitlisted_count,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, enrolled, waitlisted)| {
            (
                SessionId::from(id),
                SeatCount {
                    enrolled,
                    waitlisted,
                },
            )
        })
        .collect())
}

/// Seat count of one session.
pub fn live_count(conn: &mut DbConnection, session: SessionId) -> Result<SeatCount, ServiceError> {
    let row: Option<(i32, i32)> = sessions::table
        .find(session.get())
        .select((sessions::enrolled_count, sessions::waitlisted_count))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(enrolled, waitlisted)| SeatCount {
            enrolled,
            waitlisted,
        })
        .unwrap_or_default())
}

/// A published congress as listed on `/` and in the API.
#[derive(Debug, Clone)]
pub struct CongressSummary {
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub venue_name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub time_zone: String,
}

/// Published congresses, soonest first (one query).
pub fn published_congresses(conn: &mut DbConnection) -> Result<Vec<CongressSummary>, ServiceError> {
    let rows: Vec<(String, String, String, String, NaiveDate, NaiveDate, String)> =
        congresses::table
            .filter(congresses::status.eq(CongressStatus::Published))
            .order((congresses::first_day, congresses::slug))
            .select((
                congresses::slug,
                congresses::title,
                congresses::subtitle,
                congresses::venue_name,
                congresses::first_day,
                congresses::last_day,
                congresses::time_zone,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(slug, title, subtitle, venue_name, first_day, last_day, time_zone)| CongressSummary {
                slug,
                title,
                subtitle,
                venue_name,
                first_day,
                last_day,
                time_zone,
            },
        )
        .collect())
}

/// The live congress row for its home page (registration window, status).
pub fn congress_by_slug(
    conn: &mut DbConnection,
    slug: &str,
) -> Result<Option<crate::db::rows::Congress>, ServiceError> {
    Ok(congresses::table
        .filter(congresses::slug.eq(slug))
        .select(crate::db::rows::Congress::as_select())
        .first(conn)
        .optional()?)
}
