//! How long participants' personal data is kept (DSGVO Art. 5(1)(e), issue 13): per congress
//! a number of days after its last day, set by the owner (90 unless changed). Then every
//! registration is anonymised: names, email, organization, position, dietary and
//! accessibility needs and free-text answers are cleared, the private and check-in links die,
//! sent mails lose recipient and bodies, and the audit log's entries about registrations lose
//! their values. Kept — so every later figure stays the same — are category, status, days,
//! choice answers, check-ins, enrollments and rankings.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::ServiceError;
use crate::db::schema::{answers, audit_log, congresses, outbox, questions, registrations};
use crate::db::{rows, write_transaction, DbConnection};
use crate::domain::CongressId;

/// The kept days a congress starts with.
pub const DEFAULT_DAYS: i32 = 90;
/// What an owner may set: a week (the congress's own follow-up needs some) to ten years.
pub const DAYS: std::ops::RangeInclusive<i32> = 7..=3650;

/// Question kinds whose answers are the person's own words (cleared); choices are kept.
const FREE_TEXT: &[&str] = &["short_text", "long_text"];

/// The first local day on which a congress's personal data is removed.
pub fn removal_day(last_day: NaiveDate, retention_days: i32) -> NaiveDate {
    last_day + chrono::Days::new(retention_days.max(0) as u64 + 1)
}

/// The instant from which the data is removed: the start of `removal_day` in the congress's
/// time zone, in UTC.
pub fn deadline(c: &rows::Congress) -> NaiveDateTime {
    let tz = crate::domain::parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC);
    crate::domain::day_range_utc(tz, removal_day(c.last_day, c.retention_days))
        .start()
        .naive_utc()
}

/// What the sweep removes (or would remove) for one congress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub registrations: usize,
    pub answers: usize,
    pub mails: usize,
    pub audit_entries: usize,
}

/// The dry run: when the data of `c` goes, and what would go if the sweep ran now.
#[derive(Debug, Clone)]
pub struct Plan {
    pub deadline: NaiveDateTime,
    pub due: bool,
    pub counts: Counts,
}

fn not_anonymised(
    c: CongressId,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<
        registrations::table,
        diesel::dsl::Eq<registrations::congress_id, CongressId>,
    >,
    diesel::dsl::IsNull<registrations::anonymised_at>,
> {
    registrations::table
        .filter(registrations::congress_id.eq(c))
        .filter(registrations::anonymised_at.is_null())
}

/// The keys the sweep works on: the congress's registrations not anonymised yet, and its
/// free-text questions.
fn targets(conn: &mut DbConnection, c: CongressId) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    let ids = not_anonymised(c)
        .select(registrations::id)
        .load::<crate::domain::RegistrationId>(conn)?
        .into_iter()
        .map(i64::from)
        .collect();
    let free_text = questions::table
        .filter(questions::congress_id.eq(c))
        .filter(questions::kind.eq_any(FREE_TEXT))
        .select(questions::id)
        .load::<crate::domain::QuestionId>(conn)?
        .into_iter()
        .map(i64::from)
        .collect();
    Ok((ids, free_text))
}

/// What would be removed from `c` (nothing is changed).
pub fn plan(conn: &mut DbConnection, c: &rows::Congress, now: NaiveDateTime) -> QueryResult<Plan> {
    let (ids, free_text) = targets(conn, c.id)?;
    let mut counts = Counts {
        registrations: ids.len(),
        ..Counts::default()
    };
    for chunk in ids.chunks(5000) {
        counts.answers += answers::table
            .filter(answers::registration_id.eq_any(chunk))
            .filter(answers::question_id.eq_any(&free_text))
            .filter(answers::value.ne(""))
            .count()
            .get_result::<i64>(conn)? as usize;
        counts.audit_entries += audit_log::table
            .filter(audit_log::entity.eq("registration"))
            .filter(audit_log::entity_id.eq_any(chunk))
            .filter(
                audit_log::before_value
                    .is_not_null()
                    .or(audit_log::after_value.is_not_null()),
            )
            .count()
            .get_result::<i64>(conn)? as usize;
    }
    counts.mails = outbox::table
        .filter(outbox::congress_id.eq(c.id))
        .filter(outbox::status.eq("sent"))
        .filter(outbox::recipient.ne(""))
        .count()
        .get_result::<i64>(conn)? as usize;
    let deadline = deadline(c);
    Ok(Plan {
        deadline,
        due: now >= deadline,
        counts,
    })
}

/// Anonymises the registrations of `c` if its deadline has passed (else nothing), in one
/// transaction. Running it again changes nothing.
pub fn anonymise(
    conn: &mut DbConnection,
    c: &rows::Congress,
    now: NaiveDateTime,
) -> Result<Counts, ServiceError> {
    if now < deadline(c) {
        return Ok(Counts::default());
    }
    write_transaction(conn, |conn| {
        let Plan { counts, .. } = plan(conn, c, now)?;
        let (ids, free_text) = targets(conn, c.id)?;
        for chunk in ids.chunks(5000) {
            diesel::update(answers::table)
                .filter(answers::registration_id.eq_any(chunk))
                .filter(answers::question_id.eq_any(&free_text))
                .set(answers::value.eq(""))
                .execute(conn)?;
            diesel::update(audit_log::table)
                .filter(audit_log::entity.eq("registration"))
                .filter(audit_log::entity_id.eq_any(chunk))
                .set((
                    audit_log::before_value.eq(None::<String>),
                    audit_log::after_value.eq(None::<String>),
                ))
                .execute(conn)?;
        }
        // The unique (congress, email) key needs a distinct value; `.invalid` is reserved
        // (RFC 2606), so nothing is ever sent there. The links die with their hashes.
        diesel::sql_query(
            "UPDATE registrations SET first_name = '', last_name = '', \
             email = 'anonymised-' || CAST(id AS TEXT) || '@invalid', \
             organization = '', position = '', dietary_needs = '', accessibility_needs = '', \
             manage_token_hash = 'anonymised:' || CAST(id AS TEXT), \
             checkin_token_hash = 'anonymised:' || CAST(id AS TEXT), \
             confirm_token_hash = NULL, anonymised_at = $1 \
             WHERE congress_id = $2 AND anonymised_at IS NULL",
        )
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .bind::<diesel::sql_types::BigInt, _>(i64::from(c.id))
        .execute(conn)?;
        diesel::update(outbox::table)
            .filter(outbox::congress_id.eq(c.id))
            .filter(outbox::status.eq("sent"))
            .set((
                outbox::recipient.eq(""),
                outbox::body_text.eq(""),
                outbox::body_html.eq(""),
            ))
            .execute(conn)?;
        if counts != Counts::default() {
            audit::record(
                conn,
                Actor::System,
                AuditEvent {
                    congress_id: Some(c.id),
                    kind: "retention.anonymised",
                    entity: "congress",
                    entity_id: Some(c.id.get()),
                    before: None,
                    after: Some(serde_json::json!({
                        "registrations": counts.registrations,
                        "answers": counts.answers,
                        "mails": counts.mails,
                        "audit_entries": counts.audit_entries,
                    })),
                },
            )?;
        }
        Ok(counts)
    })
}

/// The sweep `serve` runs every hour and `kongress retention` on demand: every congress whose
/// deadline has passed, with what was removed from each (only those where something was).
pub fn sweep(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<Vec<(String, Counts)>, ServiceError> {
    let all: Vec<rows::Congress> = congresses::table
        .select(rows::Congress::as_select())
        .order(congresses::id)
        .load(conn)?;
    let mut done = vec![];
    for c in all.iter().filter(|c| now >= deadline(c)) {
        let counts = anonymise(conn, c, now)?;
        if counts != Counts::default() {
            done.push((c.slug.clone(), counts));
        }
    }
    Ok(done)
}

/// Sets the days a congress keeps personal data after its last day.
pub fn set_days(
    conn: &mut DbConnection,
    congress: CongressId,
    days: i32,
    actor: Actor,
) -> Result<(), ServiceError> {
    if !DAYS.contains(&days) {
        return Err(ServiceError::invalid(
            "retention_days",
            format!("{} to {} days", DAYS.start(), DAYS.end()),
        ));
    }
    write_transaction(conn, |conn| {
        let before: i32 = congresses::table
            .find(congress)
            .select(congresses::retention_days)
            .first(conn)?;
        diesel::update(congresses::table.find(congress))
            .set(congresses::retention_days.eq(days))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress),
                kind: "retention.days_set",
                entity: "congress",
                entity_id: Some(congress.get()),
                before: Some(serde_json::json!({ "retention_days": before })),
                after: Some(serde_json::json!({ "retention_days": days })),
            },
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_goes_on_the_day_after_the_period() {
        let last = NaiveDate::from_ymd_opt(2027, 1, 22).unwrap();
        assert_eq!(
            removal_day(last, 90),
            NaiveDate::from_ymd_opt(2027, 4, 23).unwrap()
        );
        assert_eq!(removal_day(last, 0), last.succ_opt().unwrap());
        assert!(DAYS.contains(&DEFAULT_DAYS) && !DAYS.contains(&6));
    }
}
