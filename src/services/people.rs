//! The people of a congress as the back office sees them: registrations with search, filters and
//! pages, one registration in full with its history, the rows of the CSV export, workshop seats
//! and check-in at the door. Bulk mail and the outbox are in [`mailing`].
//!
//! Every read here issues a fixed number of queries, however many registrations there are.

pub mod mailing;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::audit::{self, Actor, AuditEvent};
use super::history::AuditEntry;
use super::{tokens, ServiceError};
use crate::db::connection::MultiBackend;
use crate::db::rows;
use crate::db::schema::{
    answers, audit_log, categories, enrollments, organizers, questions, registrations, rooms,
    sessions,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::registration::RegistrationStatus;
use crate::domain::CategoryId;
use crate::domain::CongressId;
use crate::domain::OrganizerId;
use crate::domain::SessionId;
use crate::domain::{EnrollmentId, RegistrationId};
use crate::domain::{EnrollmentStatus, SessionStatus};

/// Capital letters beyond ASCII that SQLite's `lower()` (and PostgreSQL's in a "C" locale)
/// leaves alone, folded with `replace()`: the same SQL on both backends, so "öztürk" finds
/// "Öztürk" on either.
const FOLD: &str = "ÄÖÜÀÁÂÃÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕØÙÚÛÝĆČĘŁŃŐŘŚŠŞŰŹŻŽĞ";

/// `column` in lower case for a case-insensitive LIKE. `column` is SQL we write, never input.
fn folded(column: &str) -> SqlLiteral<Text> {
    let mut e = format!("lower({column})");
    for upper in FOLD.chars() {
        // The same lower case as the search text's (`str::to_lowercase`).
        let lower: String = upper.to_lowercase().collect();
        e = format!("replace({e}, '{upper}', '{lower}')");
    }
    diesel::dsl::sql::<Text>(&e)
}

/// Registrations per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// Most people the check-in search shows at once (a phone screen's worth of scrolling).
pub const CHECKIN_MATCHES: i64 = 50;

/// What the organizer narrowed the registrations down to (list, CSV export and bulk mail
/// share it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Part of the name, email address or organization; any case.
    pub q: String,
    pub status: Option<RegistrationStatus>,
    pub category: Option<CategoryId>,
    /// A session id: registrations enrolled or waiting there.
    pub workshop: Option<SessionId>,
}

/// `%needle%` for LIKE with `\` escaping the wildcards the needle itself contains.
fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

type Filtered = registrations::BoxedQuery<'static, MultiBackend>;

/// The registrations of a congress matching `q` (name, email, organization).
fn searched(congress: CongressId, q: &str) -> Filtered {
    let mut query = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .into_boxed();
    if !q.trim().is_empty() {
        let p = like_pattern(q);
        query = query.filter(
            folded("registrations.first_name || ' ' || registrations.last_name")
                .like(p.clone())
                .escape('\\')
                .or(folded("registrations.email").like(p.clone()).escape('\\'))
                .or(folded("registrations.organization").like(p).escape('\\')),
        );
    }
    query
}

/// The registrations of a congress matching every part of the filter.
fn filtered(congress: CongressId, f: &Filter) -> Filtered {
    let mut query = searched(congress, &f.q);
    if let Some(s) = f.status {
        query = query.filter(registrations::status.eq(s));
    }
    if let Some(c) = f.category {
        query = query.filter(registrations::category_id.eq(c));
    }
    if let Some(w) = f.workshop {
        query = query.filter(
            registrations::id.eq_any(
                enrollments::table
                    .filter(enrollments::session_id.eq(w))
                    .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
                    .select(enrollments::registration_id),
            ),
        );
    }
    query
}

/// One row of the registration list.
#[derive(Debug, Clone, Queryable)]
pub struct RegistrationLine {
    pub id: RegistrationId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organization: String,
    pub category_id: CategoryId,
    pub status: RegistrationStatus,
    pub created_at: NaiveDateTime,
    pub checked_in_at: Option<NaiveDateTime>,
}

/// A page of the registration list with what its filters offer.
pub struct RegistrationPage {
    pub lines: Vec<RegistrationLine>,
    /// Registrations matching the filter (all pages).
    pub total: i64,
    /// Every status with its count in the whole congress, in the order of the state machine.
    pub by_status: Vec<(RegistrationStatus, i64)>,
    pub categories: Vec<(CategoryId, String)>,
    /// Sessions that take enrollments: (id, title).
    pub workshops: Vec<(SessionId, String)>,
}

impl RegistrationPage {
    pub fn category(&self, id: &CategoryId) -> &str {
        name_of(&self.categories, *id)
    }
}

fn name_of(list: &[(CategoryId, String)], id: CategoryId) -> &str {
    list.iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| n.as_str())
        .unwrap_or("")
}

/// The participant categories of a congress: (id, name), in their order.
pub fn categories_of(
    conn: &mut DbConnection,
    congress: CongressId,
) -> QueryResult<Vec<(CategoryId, String)>> {
    categories::table
        .filter(categories::congress_id.eq(congress))
        .order((categories::position, categories::id))
        .select((categories::id, categories::name))
        .load(conn)
}

/// Sessions of the congress that take enrollments, in programme order.
pub fn workshops_of(
    conn: &mut DbConnection,
    congress: CongressId,
) -> QueryResult<Vec<(SessionId, String)>> {
    sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::capacity.is_not_null())
        .order((sessions::starts_at, sessions::title, sessions::id))
        .select((sessions::id, sessions::title))
        .load(conn)
}

/// Counts of a congress's registrations by status (every status, zeros included).
pub fn counts_by_status(
    conn: &mut DbConnection,
    congress: CongressId,
) -> QueryResult<Vec<(RegistrationStatus, i64)>> {
    let rows: Vec<(String, i64)> = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .group_by(registrations::status)
        .select((registrations::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(RegistrationStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect())
}

/// One page (0-based) of the registrations matching `f`, newest first (five queries).
pub fn list(
    conn: &mut DbConnection,
    congress: CongressId,
    f: &Filter,
    page: i64,
) -> Result<RegistrationPage, ServiceError> {
    let lines = filtered(congress, f)
        .order((registrations::created_at.desc(), registrations::id.desc()))
        .limit(PAGE_SIZE)
        .offset(page.max(0).saturating_mul(PAGE_SIZE))
        .select((
            registrations::id,
            registrations::first_name,
            registrations::last_name,
            registrations::email,
            registrations::organization,
            registrations::category_id,
            registrations::status,
            registrations::created_at,
            registrations::checked_in_at,
        ))
        .load(conn)?;
    let total = filtered(congress, f).count().get_result(conn)?;
    Ok(RegistrationPage {
        lines,
        total,
        by_status: counts_by_status(conn, congress)?,
        categories: categories_of(conn, congress)?,
        workshops: workshops_of(conn, congress)?,
    })
}

/// A registration of this congress, or `NotFound` (also for another congress's id).
pub fn registration_in(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RegistrationId,
) -> Result<rows::Registration, ServiceError> {
    registrations::table
        .filter(registrations::id.eq(id))
        .filter(registrations::congress_id.eq(congress))
        .select(rows::Registration::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// A workshop seat or waitlist place held by a registration.
#[derive(Debug, Clone)]
pub struct EnrollmentLine {
    pub session_id: SessionId,
    pub title: String,
    pub starts_at: Option<NaiveDateTime>,
    pub status: EnrollmentStatus,
    /// Place in the queue (1 = next) while waitlisted.
    pub waitlist_position: Option<i64>,
}

/// A registration with everything known about it.
pub struct RegistrationDetail {
    pub registration: rows::Registration,
    pub category: String,
    pub needs_approval: bool,
    /// (question label, question kind, answer), in the questions' order.
    pub answers: Vec<(String, String, String)>,
    pub enrollments: Vec<EnrollmentLine>,
    /// Status changes, enrollments, check-in: oldest first.
    pub history: Vec<AuditEntry>,
    /// Where it stands on the congress waiting list, and why (while it waits).
    pub standing: Option<super::registration::Standing>,
    /// The congress's categories, for a change of category.
    pub categories: Vec<(crate::domain::CategoryId, String)>,
    /// Ranked choices per block: (block, workshop titles best first).
    pub rankings: Vec<(String, Vec<String>)>,
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

/// One registration in full, with answers, workshops and its audit trail.
pub fn detail(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RegistrationId,
) -> Result<RegistrationDetail, ServiceError> {
    let registration = registration_in(conn, congress, id)?;
    let (category, needs_approval): (String, bool) = categories::table
        .find(registration.category_id)
        .select((categories::name, categories::needs_approval))
        .first(conn)?;
    let answers: Vec<(String, String, String)> = answers::table
        .inner_join(questions::table)
        .filter(answers::registration_id.eq(id))
        .order((questions::position, questions::id))
        .select((questions::label, questions::kind, answers::value))
        .load(conn)?;
    let held: Vec<(
        EnrollmentId,
        i64,
        EnrollmentStatus,
        SessionId,
        String,
        Option<NaiveDateTime>,
    )> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::registration_id.eq(id))
        .order((sessions::starts_at, sessions::title))
        .select((
            enrollments::id,
            enrollments::position,
            enrollments::status,
            sessions::id,
            sessions::title,
            sessions::starts_at,
        ))
        .load(conn)?;
    let mut lines = Vec::with_capacity(held.len());
    for (eid, position, status, session_id, title, starts_at) in held {
        // At most one query per workshop the person waits for: a handful, never the list.
        let waitlist_position = if status == EnrollmentStatus::Waitlisted {
            Some(super::registration::waitlist_position(
                conn, session_id, position, eid,
            )?)
        } else {
            None
        };
        lines.push(EnrollmentLine {
            session_id,
            title,
            starts_at,
            status,
            waitlist_position,
        });
    }
    let of_registration = enrollments::table
        .filter(enrollments::registration_id.eq(id))
        .select(enrollments::id.nullable());
    let rows: Vec<AuditRow> = audit_log::table
        .left_join(organizers::table)
        .filter(audit_log::congress_id.eq(congress))
        .filter(
            audit_log::entity
                .eq("registration")
                .and(audit_log::entity_id.eq(id))
                .or(audit_log::entity
                    .eq("enrollment")
                    .and(audit_log::entity_id.eq_any(of_registration))),
        )
        .order((audit_log::created_at, audit_log::id))
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
    let history = rows
        .into_iter()
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
    let standing = super::registration::congress_standing(conn, &registration)?;
    let categories = categories::table
        .filter(categories::congress_id.eq(congress))
        .order((categories::position, categories::id))
        .select((categories::id, categories::name))
        .load(conn)?;
    let ranked: Vec<(String, String)> = crate::db::schema::preferences::table
        .inner_join(crate::db::schema::slot_groups::table)
        .inner_join(sessions::table)
        .filter(crate::db::schema::preferences::registration_id.eq(id))
        .filter(crate::db::schema::slot_groups::allocation_mode.eq("ranked"))
        .order((
            crate::db::schema::slot_groups::name,
            crate::db::schema::preferences::rank,
        ))
        .select((crate::db::schema::slot_groups::name, sessions::title))
        .load(conn)?;
    let mut rankings: Vec<(String, Vec<String>)> = vec![];
    for (block, title) in ranked {
        match rankings.last_mut() {
            Some((b, titles)) if *b == block => titles.push(title),
            _ => rankings.push((block, vec![title])),
        }
    }
    Ok(RegistrationDetail {
        registration,
        category,
        needs_approval,
        answers,
        enrollments: lines,
        history,
        standing,
        categories,
        rankings,
    })
}

pub use crate::formats::registrations_csv::{Export, ExportRow};

/// Every registration matching `f`, oldest first, with workshops and answers (five queries).
pub fn export(
    conn: &mut DbConnection,
    congress: CongressId,
    f: &Filter,
) -> Result<Export, ServiceError> {
    let regs: Vec<rows::Registration> = filtered(congress, f)
        .order(registrations::id)
        .select(rows::Registration::as_select())
        .load(conn)?;
    let categories = categories_of(conn, congress)?;
    let questions: Vec<(i64, String)> = questions::table
        .filter(questions::congress_id.eq(congress))
        .order((questions::position, questions::id))
        .select((questions::id, questions::label))
        .load(conn)?;
    let all_answers: Vec<(RegistrationId, i64, String)> = answers::table
        .inner_join(registrations::table)
        .filter(registrations::congress_id.eq(congress))
        .select((
            answers::registration_id,
            answers::question_id,
            answers::value,
        ))
        .load(conn)?;
    let held: Vec<(RegistrationId, EnrollmentStatus, String)> = enrollments::table
        .inner_join(sessions::table)
        .filter(sessions::congress_id.eq(congress))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .order((sessions::starts_at, sessions::title, enrollments::id))
        .select((
            enrollments::registration_id,
            enrollments::status,
            sessions::title,
        ))
        .load(conn)?;
    let mut answers_of: HashMap<RegistrationId, HashMap<i64, String>> = HashMap::new();
    for (r, q, v) in all_answers {
        answers_of.entry(r).or_default().insert(q, v);
    }
    let mut seats_of: HashMap<RegistrationId, (Vec<String>, Vec<String>)> = HashMap::new();
    for (r, status, title) in held {
        let e = seats_of.entry(r).or_default();
        if status == EnrollmentStatus::Enrolled {
            e.0.push(title);
        } else {
            e.1.push(title);
        }
    }
    let rows = regs
        .into_iter()
        .map(|r| {
            let (workshops, waitlists) = seats_of.remove(&r.id).unwrap_or_default();
            ExportRow {
                category: name_of(&categories, r.category_id).to_string(),
                answers: answers_of.remove(&r.id).unwrap_or_default(),
                workshops,
                waitlists,
                registration: r,
            }
        })
        .collect();
    Ok(Export { questions, rows })
}

/// A session that takes enrollments, with its live seat counts.
#[derive(Debug, Clone, Queryable)]
pub struct SeatLine {
    pub id: SessionId,
    pub title: String,
    pub status: SessionStatus,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub capacity: Option<i32>,
    pub enrolled: i32,
    pub waitlisted: i32,
    pub room: Option<String>,
    pub room_capacity: Option<i32>,
}

impl SeatLine {
    /// Seats that can be taken: the smaller of the session's and the room's capacity (rule 1).
    pub fn seats(&self) -> i32 {
        let c = self.capacity.unwrap_or(0);
        self.room_capacity.map_or(c, |r| c.min(r))
    }
}

/// Every session that takes enrollments, in programme order, with its counts (one query).
pub fn seats(conn: &mut DbConnection, congress: CongressId) -> Result<Vec<SeatLine>, ServiceError> {
    Ok(sessions::table
        .left_join(rooms::table)
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::capacity.is_not_null())
        .order((sessions::starts_at, sessions::title, sessions::id))
        .select((
            sessions::id,
            sessions::title,
            sessions::status,
            sessions::starts_at,
            sessions::ends_at,
            sessions::capacity,
            sessions::enrolled_count,
            sessions::waitlisted_count,
            rooms::name.nullable(),
            rooms::capacity.nullable(),
        ))
        .load(conn)?)
}

/// A person at the door.
#[derive(Debug, Clone, Queryable)]
pub struct Arrival {
    pub id: RegistrationId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organization: String,
    pub category_id: CategoryId,
    pub status: RegistrationStatus,
    pub checked_in_at: Option<NaiveDateTime>,
}

/// What the check-in page shows: matches and how many are in already.
pub struct CheckinList {
    pub arrivals: Vec<Arrival>,
    /// More confirmed registrations match than are shown.
    pub more: bool,
    pub checked_in: i64,
    pub confirmed: i64,
    pub categories: Vec<(CategoryId, String)>,
}

impl CheckinList {
    pub fn category(&self, id: &CategoryId) -> &str {
        name_of(&self.categories, *id)
    }
}

type ArrivalColumns = (
    registrations::id,
    registrations::first_name,
    registrations::last_name,
    registrations::email,
    registrations::organization,
    registrations::category_id,
    registrations::status,
    registrations::checked_in_at,
);

const ARRIVAL: ArrivalColumns = (
    registrations::id,
    registrations::first_name,
    registrations::last_name,
    registrations::email,
    registrations::organization,
    registrations::category_id,
    registrations::status,
    registrations::checked_in_at,
);

/// Confirmed registrations matching `q`, by name (four queries).
pub fn checkin_search(
    conn: &mut DbConnection,
    congress: CongressId,
    q: &str,
) -> Result<CheckinList, ServiceError> {
    let mut arrivals: Vec<Arrival> = searched(congress, q)
        .filter(registrations::status.eq(RegistrationStatus::Confirmed))
        .order((
            registrations::last_name,
            registrations::first_name,
            registrations::id,
        ))
        .limit(CHECKIN_MATCHES + 1)
        .select(ARRIVAL)
        .load(conn)?;
    let more = arrivals.len() as i64 > CHECKIN_MATCHES;
    arrivals.truncate(CHECKIN_MATCHES as usize);
    let confirmed: Vec<Option<NaiveDateTime>> = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .filter(registrations::status.eq(RegistrationStatus::Confirmed))
        .select(registrations::checked_in_at)
        .load(conn)?;
    Ok(CheckinList {
        arrivals,
        more,
        checked_in: confirmed.iter().filter(|c| c.is_some()).count() as i64,
        confirmed: confirmed.len() as i64,
        categories: categories_of(conn, congress)?,
    })
}

/// The person a check-in code (the participant's QR code) belongs to, in this congress. Any
/// status: the door needs to see a cancelled registration as such.
pub fn by_checkin_code(
    conn: &mut DbConnection,
    congress: CongressId,
    code: &str,
) -> Result<Option<(Arrival, String)>, ServiceError> {
    if !tokens::plausible(code) {
        return Ok(None);
    }
    let found: Option<Arrival> = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .filter(registrations::checkin_token_hash.eq(tokens::hash(code)))
        .select(ARRIVAL)
        .first(conn)
        .optional()?;
    let Some(a) = found else {
        return Ok(None);
    };
    let category = categories::table
        .find(a.category_id)
        .select(categories::name)
        .first(conn)?;
    Ok(Some((a, category)))
}

/// How a tap on "check in" ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// Checked in now.
    Done(NaiveDateTime),
    /// Was checked in before, at this time (a second tap changes nothing).
    Already(NaiveDateTime),
}

impl CheckIn {
    pub fn at(self) -> NaiveDateTime {
        match self {
            CheckIn::Done(t) | CheckIn::Already(t) => t,
        }
    }
}

/// Checks a confirmed registration in, once: the first time is kept and audited. A registration
/// that is not confirmed is refused (`Conflict`); another congress's is `NotFound`.
pub fn check_in(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RegistrationId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<CheckIn, ServiceError> {
    write_transaction(conn, |conn| {
        // One conditional statement: two door staff tapping at once check in once.
        let n = diesel::update(
            registrations::table
                .filter(registrations::id.eq(id))
                .filter(registrations::congress_id.eq(congress))
                .filter(registrations::status.eq(RegistrationStatus::Confirmed))
                .filter(registrations::checked_in_at.is_null()),
        )
        .set(registrations::checked_in_at.eq(Some(now)))
        .execute(conn)?;
        if n == 1 {
            audit::record(
                conn,
                Actor::Organizer(organizer),
                AuditEvent {
                    congress_id: Some(congress),
                    kind: "registration.checked_in",
                    entity: "registration",
                    entity_id: Some(id.get()),
                    before: None,
                    after: Some(serde_json::json!({ "checked_in_at": now.to_string() })),
                },
            )?;
            return Ok(CheckIn::Done(now));
        }
        let r = registration_in(conn, congress, id)?;
        match r.checked_in_at {
            Some(at) => Ok(CheckIn::Already(at)),
            None => Err(ServiceError::Conflict(format!(
                "registration {id} is {}, not confirmed",
                r.status
            ))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards_and_fold_case() {
        assert_eq!(like_pattern(" Müller "), "%müller%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
