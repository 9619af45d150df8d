//! What the participant sees and owns: the manage page, the form, the data download, deletion.

use super::*;
use crate::domain::RegistrationId;
use crate::domain::{CongressId, EnrollmentId, RoomId, SessionId, SlotGroupId};
use crate::domain::{EnrollmentStatus, SessionStatus};

/// A line of the manage page: a session that takes enrollments, and where the person stands.
pub struct WorkshopLine {
    pub session: rows::Session,
    pub room: Option<String>,
    /// Enrolled or waitlisted; `None` when the person has not chosen it.
    pub status: Option<EnrollmentStatus>,
    pub position: Option<i64>,
    /// Waiting to swap: the title of the seat given up when this one frees.
    pub swap_for: Option<String>,
}

/// Everything the manage page shows (a fixed number of queries).
pub fn overview(
    conn: &mut DbConnection,
    r: &rows::Registration,
) -> Result<Vec<WorkshopLine>, ServiceError> {
    let sessions: Vec<rows::Session> = sessions::table
        .filter(sessions::congress_id.eq(r.congress_id))
        .filter(sessions::capacity.is_not_null())
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .order((sessions::starts_at, sessions::title))
        .select(rows::Session::as_select())
        .load(conn)?;
    type Mine = (EnrollmentId, SessionId, EnrollmentStatus, i64, Option<i64>);
    let mine: Vec<Mine> = enrollments::table
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .select((
            enrollments::id,
            enrollments::session_id,
            enrollments::status,
            enrollments::position,
            enrollments::swap_from,
        ))
        .load(conn)?;
    let titles: std::collections::HashMap<i64, String> = sessions
        .iter()
        .map(|s| (s.id.get(), s.title.clone()))
        .collect();
    let room_names: std::collections::HashMap<RoomId, String> = rooms::table
        .filter(rooms::congress_id.eq(r.congress_id))
        .select((rooms::id, rooms::name))
        .load::<(RoomId, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = vec![];
    for s in sessions {
        let m = mine.iter().find(|m| m.1 == s.id);
        let position = match m {
            Some((id, session, EnrollmentStatus::Waitlisted, pos, _)) => {
                Some(waitlist_position(conn, *session, *pos, *id)?)
            }
            _ => None,
        };
        out.push(WorkshopLine {
            room: s.room_id.and_then(|id| room_names.get(&id).cloned()),
            status: m.map(|m| m.2),
            swap_for: m.and_then(|m| m.4).and_then(|s| titles.get(&s).cloned()),
            position,
            session: s,
        });
    }
    Ok(out)
}

/// A participant category as the form offers it.
#[derive(Debug, Clone, Queryable)]
pub struct CategoryChoice {
    pub id: CategoryId,
    pub name: String,
    /// The team approves each registration of it.
    pub needs_approval: bool,
    /// Above 0: served first when workshop seats are allocated.
    pub priority: i32,
}

/// What the registration form offers (a fixed number of queries).
pub struct FormData {
    pub categories: Vec<CategoryChoice>,
    pub questions: Vec<crate::db::queries::QuestionRow>,
    pub days: Vec<rows::CongressDay>,
    /// First-come-first-served slot groups with their sessions: (group id, name, sessions).
    pub groups: Vec<(SlotGroupId, String, Vec<rows::Session>)>,
    /// Blocks taking ranked choices now: (group id, name, depth, sessions).
    pub ranked: Vec<(SlotGroupId, String, i32, Vec<rows::Session>)>,
    /// The local day of each session offered, for the check against the days attended.
    pub session_days: std::collections::HashMap<SessionId, chrono::NaiveDate>,
}

pub fn form_data(conn: &mut DbConnection, congress: CongressId) -> Result<FormData, ServiceError> {
    let categories = categories::table
        .filter(categories::congress_id.eq(congress))
        .order((categories::position, categories::id))
        .select((
            categories::id,
            categories::name,
            categories::needs_approval,
            categories::priority,
        ))
        .load(conn)?;
    let questions = crate::db::queries::questions_of(conn, congress)?;
    let days = crate::db::queries::days(conn, congress)?;
    let group_rows: Vec<(SlotGroupId, String)> = slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .filter(slot_groups::allocation_mode.eq("fcfs"))
        .order(slot_groups::id)
        .select((slot_groups::id, slot_groups::name))
        .load(conn)?;
    let grouped: Vec<rows::Session> = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::slot_group_id.is_not_null())
        .filter(sessions::capacity.is_not_null())
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .order((sessions::starts_at, sessions::title))
        .select(rows::Session::as_select())
        .load(conn)?;
    let now = crate::services::now_utc();
    let ranked_rows: Vec<(SlotGroupId, String, i32, Option<NaiveDateTime>)> = slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .filter(slot_groups::allocation_mode.eq("ranked"))
        .filter(slot_groups::allocated_at.is_null())
        .order(slot_groups::id)
        .select((
            slot_groups::id,
            slot_groups::name,
            slot_groups::rank_depth,
            slot_groups::preference_deadline,
        ))
        .load(conn)?;
    let ranked = ranked_rows
        .into_iter()
        .filter(|(_, _, _, deadline)| deadline.is_none_or(|d| now < d))
        .map(|(id, name, depth, _)| {
            let s: Vec<rows::Session> = grouped
                .iter()
                .filter(|s| s.slot_group_id == Some(id))
                .cloned()
                .collect();
            (id, name, depth, s)
        })
        .filter(|g| !g.3.is_empty())
        .collect();
    let groups = group_rows
        .into_iter()
        .map(|(id, name)| {
            let s = grouped
                .iter()
                .filter(|s| s.slot_group_id == Some(id))
                .cloned()
                .collect();
            (id, name, s)
        })
        .filter(|(_, _, s): &(SlotGroupId, String, Vec<rows::Session>)| !s.is_empty())
        .collect();
    let tz: String = congresses::table
        .find(congress)
        .select(congresses::time_zone)
        .first(conn)?;
    let tz = crate::domain::time::parse_time_zone(&tz).unwrap_or(chrono_tz::UTC);
    let session_days = grouped
        .iter()
        .filter_map(|s| {
            Some((
                s.id,
                crate::domain::local_date_of(tz, s.starts_at?.and_utc()),
            ))
        })
        .collect();
    Ok(FormData {
        categories,
        questions,
        days,
        groups,
        ranked,
        session_days,
    })
}

/// Everything stored about a registration, for the participant's download (SPEC §5).
pub fn export_data(
    conn: &mut DbConnection,
    r: &rows::Registration,
) -> Result<serde_json::Value, ServiceError> {
    let answers: Vec<(String, String)> = answers::table
        .inner_join(questions::table)
        .filter(answers::registration_id.eq(r.id))
        .order(questions::position)
        .select((questions::label, answers::value))
        .load(conn)?;
    let seats: Vec<(String, String, i64)> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::registration_id.eq(r.id))
        .order(enrollments::id)
        .select((sessions::title, enrollments::status, enrollments::position))
        .load(conn)?;
    let picks: Vec<(String, i32)> = preferences::table
        .inner_join(sessions::table)
        .filter(preferences::registration_id.eq(r.id))
        .order(preferences::rank)
        .select((sessions::title, preferences::rank))
        .load(conn)?;
    let category: String = categories::table
        .find(r.category_id)
        .select(categories::name)
        .first(conn)?;
    let congress = congress_title(conn, r.congress_id)?;
    Ok(serde_json::json!({
        "congress": congress,
        "status": r.status,
        "category": category,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "email": r.email,
        "organization": r.organization,
        "position": r.position,
        "days_attending": r.days_attending.split(',').filter(|d| !d.is_empty()).collect::<Vec<_>>(),
        "dietary_needs": r.dietary_needs,
        "accessibility_needs": r.accessibility_needs,
        "language": r.language,
        "consent_privacy_at": r.consent_privacy_at,
        "consent_public_listing": r.consent_public_listing,
        "registered_at": r.created_at,
        "confirmed_at": r.confirmed_at,
        "cancelled_at": r.cancelled_at,
        "checked_in_at": r.checked_in_at,
        "answers": answers.into_iter().map(|(q, a)| serde_json::json!({"question": q, "answer": a})).collect::<Vec<_>>(),
        "workshops": seats.into_iter().map(|(t, s, p)| serde_json::json!({"session": t, "status": s, "queue_number": p})).collect::<Vec<_>>(),
        "choices": picks.into_iter().map(|(t, rank)| serde_json::json!({"session": t, "rank": rank})).collect::<Vec<_>>(),
    }))
}

/// Deletes a registration and its personal data for good (SPEC §5): its place and seats are
/// released first (promoting others), then the row and everything hanging on it go. The audit
/// log keeps only that a registration was deleted.
pub fn delete_registration(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RegistrationId,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        let status = r.status;
        if !matches!(
            status,
            RegistrationStatus::Cancelled | RegistrationStatus::Expired
        ) {
            // Released like a cancellation, without the cancellation email: the person asked
            // for their data to be gone.
            leave_all(conn, ctx, &r, now)?;
            if crate::domain::registration::holds_place(status) {
                give_back_place(conn, r.congress_id, r.category_id)?;
                promote_congress_waitlist(conn, ctx, r.congress_id, now)?;
            }
        }
        diesel::delete(registrations::table.find(id)).execute(conn)?;
        // Queued mail to the person goes too.
        diesel::delete(
            crate::db::schema::outbox::table
                .filter(crate::db::schema::outbox::recipient.eq(&r.email))
                .filter(crate::db::schema::outbox::congress_id.eq(r.congress_id))
                .filter(crate::db::schema::outbox::status.ne("sent")),
        )
        .execute(conn)?;
        audit::record(
            conn,
            Actor::Participant,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "registration.deleted",
                entity: "registration",
                entity_id: Some(id.get()),
                before: Some(serde_json::json!({ "status": r.status })),
                after: None,
            },
        )?;
        Ok(())
    })
}
