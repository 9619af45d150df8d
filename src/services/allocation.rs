//! Ranked-preference allocation of a slot group (issue 7): read the rankings, preview the
//! result with its figures, commit it (enrollments, waitlists, one email each) and switch the
//! group to first come, first served. The algorithm is `domain::allocation`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::outbox::{self, Mail};
use super::registration::{self as reg, manage_token, SeatOutcome};
use super::Ctx;
use super::{now_utc, ServiceError};
use crate::db::rows;
use crate::db::schema::{
    categories, congresses, enrollments, preferences, registrations, rooms, sessions, slot_groups,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::allocation::{allocate, Allocation, Instance, Ranking, Stats};
use crate::domain::MailKind;
use crate::domain::{CongressId, RegistrationId, RoomId, SessionId, SlotGroupId};
use crate::domain::{EnrollmentStatus, RegistrationStatus, SessionStatus};
use crate::i18n::Lang;

/// A slot group's allocation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSettings {
    pub id: SlotGroupId,
    pub name: String,
    /// `fcfs` or `ranked`
    pub mode: String,
    pub rank_depth: i32,
    pub deadline: Option<NaiveDateTime>,
    pub seed: Option<i64>,
    pub allocated_at: Option<NaiveDateTime>,
}

/// The slot groups of a congress.
pub fn groups(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<GroupSettings>> {
    slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .order(slot_groups::id)
        .select((
            slot_groups::id,
            slot_groups::name,
            slot_groups::allocation_mode,
            slot_groups::rank_depth,
            slot_groups::preference_deadline,
            slot_groups::allocation_seed,
            slot_groups::allocated_at,
        ))
        .load::<(
            SlotGroupId,
            String,
            String,
            i32,
            Option<NaiveDateTime>,
            Option<i64>,
            Option<NaiveDateTime>,
        )>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(
                    |(id, name, mode, rank_depth, deadline, seed, allocated_at)| GroupSettings {
                        id,
                        name,
                        mode,
                        rank_depth,
                        deadline,
                        seed,
                        allocated_at,
                    },
                )
                .collect()
        })
}

fn group(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SlotGroupId,
) -> Result<GroupSettings, ServiceError> {
    groups(conn, congress)?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(ServiceError::NotFound)
}

/// Switches a group to preference mode (depth 1–5, a deadline) or back to first come, first
/// served. Refused once the group was allocated.
pub fn set_mode(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SlotGroupId,
    mode: &str,
    rank_depth: i32,
    deadline: Option<NaiveDateTime>,
    actor: Actor,
) -> Result<(), ServiceError> {
    if !matches!(mode, "fcfs" | "ranked") {
        return Err(ServiceError::invalid("mode", "fcfs or ranked"));
    }
    if !(1..=5).contains(&rank_depth) {
        return Err(ServiceError::invalid("rank_depth", "1 to 5"));
    }
    write_transaction(conn, |conn| {
        let g = group(conn, congress, id)?;
        if g.allocated_at.is_some() {
            return Err(ServiceError::Conflict("already allocated".into()));
        }
        // Compare-and-set: a commit that got in between wins, and this change is refused.
        let changed = diesel::update(
            slot_groups::table
                .find(id)
                .filter(slot_groups::allocated_at.is_null()),
        )
        .set((
            slot_groups::allocation_mode.eq(mode),
            slot_groups::rank_depth.eq(rank_depth),
            slot_groups::preference_deadline.eq(deadline),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(ServiceError::Conflict("already allocated".into()));
        }
        // The picks made while it ran first come, first served are stored as first choices;
        // they became seats or waiting-list places and are not rankings: people rank anew.
        if g.mode == "fcfs" && mode == "ranked" {
            diesel::delete(preferences::table.filter(preferences::slot_group_id.eq(id)))
                .execute(conn)?;
        }
        audit::change(
            conn,
            actor,
            congress,
            "slot_group.mode",
            id,
            Some(serde_json::json!({ "mode": g.mode, "rank_depth": g.rank_depth })),
            Some(
                serde_json::json!({ "mode": mode, "rank_depth": rank_depth, "deadline": deadline }),
            ),
        )?;
        Ok(())
    })
}

/// A participant's ranking of a group (session ids, best first), replacing the earlier one.
/// Only before the deadline, only sessions of the group, at most the group's depth.
pub fn set_ranking(
    conn: &mut DbConnection,
    registration: RegistrationId,
    group_id: SlotGroupId,
    ranking: &[i64],
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let r: rows::Registration = registrations::table
            .find(registration)
            .select(rows::Registration::as_select())
            .first(conn)?;
        let g = group(conn, r.congress_id, group_id)?;
        if g.mode != "ranked" || g.allocated_at.is_some() {
            return Err(ServiceError::Conflict("not taking preferences".into()));
        }
        if g.deadline.is_some_and(|d| now >= d) {
            return Err(ServiceError::Conflict("deadline passed".into()));
        }
        let offered: Vec<i64> = sessions::table
            .filter(sessions::slot_group_id.eq(group_id))
            .filter(sessions::status.eq(SessionStatus::Scheduled))
            .select(sessions::id)
            .load(conn)?;
        let mut seen = vec![];
        for s in ranking {
            if !offered.contains(s) || seen.contains(s) {
                return Err(ServiceError::invalid(
                    "ranking",
                    "a workshop of the group, once",
                ));
            }
            seen.push(*s);
        }
        if seen.len() > g.rank_depth as usize {
            return Err(ServiceError::invalid("ranking", "too many choices"));
        }
        // Only workshops on days the person attends.
        let tz: String = congresses::table
            .find(r.congress_id)
            .select(congresses::time_zone)
            .first(conn)?;
        let tz = crate::domain::time::parse_time_zone(&tz).unwrap_or(chrono_tz::UTC);
        let days = crate::domain::blocks::parse_days(&r.days_attending);
        let starts: Vec<Option<NaiveDateTime>> = sessions::table
            .filter(sessions::id.eq_any(&seen))
            .select(sessions::starts_at)
            .load(conn)?;
        if starts.into_iter().any(|s| {
            !crate::domain::blocks::attends(
                &days,
                s.map(|s| crate::domain::local_date_of(tz, s.and_utc())),
            )
        }) {
            return Err(ServiceError::invalid("ranking", "day not attended"));
        }
        diesel::delete(
            preferences::table
                .filter(preferences::registration_id.eq(registration))
                .filter(preferences::slot_group_id.eq(group_id)),
        )
        .execute(conn)?;
        for (i, s) in seen.iter().enumerate() {
            diesel::insert_into(preferences::table)
                .values((
                    preferences::registration_id.eq(registration),
                    preferences::slot_group_id.eq(group_id),
                    preferences::session_id.eq(s),
                    preferences::rank.eq(i as i32 + 1),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// id, title, capacity, enrolled, room, start, end
type WorkshopRow = (
    SessionId,
    String,
    Option<i32>,
    i32,
    Option<RoomId>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// A ranked group as a participant sees it on their private page.
pub struct RankingView {
    pub group: GroupSettings,
    /// The group's workshops: (session id, title).
    pub options: Vec<(i64, String)>,
    /// Their ranking, best first.
    pub chosen: Vec<i64>,
    /// Whether they may still change it.
    pub open: bool,
}

/// The ranked groups of a registration's congress with its rankings (three queries).
pub fn ranking_views(
    conn: &mut DbConnection,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<Vec<RankingView>, ServiceError> {
    let gs: Vec<GroupSettings> = groups(conn, r.congress_id)?
        .into_iter()
        .filter(|g| g.mode == "ranked" || g.allocated_at.is_some())
        .collect();
    if gs.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<SlotGroupId> = gs.iter().map(|g| g.id).collect();
    let options: Vec<(SlotGroupId, i64, String)> = sessions::table
        .filter(sessions::slot_group_id.eq_any(&ids))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .order(sessions::id)
        .select((
            sessions::slot_group_id.assume_not_null(),
            sessions::id,
            sessions::title,
        ))
        .load(conn)?;
    let chosen: Vec<(SlotGroupId, i64)> = preferences::table
        .filter(preferences::registration_id.eq(r.id))
        .order((preferences::slot_group_id, preferences::rank))
        .select((preferences::slot_group_id, preferences::session_id))
        .load(conn)?;
    Ok(gs
        .into_iter()
        .map(|g| RankingView {
            options: options
                .iter()
                .filter(|o| o.0 == g.id)
                .map(|o| (o.1, o.2.clone()))
                .collect(),
            chosen: chosen.iter().filter(|c| c.0 == g.id).map(|c| c.1).collect(),
            open: g.mode == "ranked"
                && g.allocated_at.is_none()
                && g.deadline.is_none_or(|d| now < d)
                && r.status != RegistrationStatus::Cancelled
                && r.status != RegistrationStatus::Expired,
            group: g,
        })
        .collect())
}

/// A group's allocation problem as read from the database.
pub struct Problem {
    pub group: GroupSettings,
    /// (session id, title, seats left) per workshop, in the instance's order.
    pub workshops: Vec<(SessionId, String, u32)>,
    /// Registration ids in the instance's order.
    pub registrations: Vec<RegistrationId>,
    pub instance: Instance,
    /// Choices dropped because they overlap a seat the person already holds (rule 3).
    pub dropped_for_overlap: usize,
    /// Per workshop (instance order): seats taken before the allocation, and all its seats.
    pub taken_before: Vec<u32>,
    pub total: Vec<u32>,
    /// People who already hold a seat in the block (taken first come, first served before the
    /// switch): they keep it and take no part.
    pub seated: usize,
}

/// Reads the rankings of confirmed registrations for a group (in a fixed number of queries).
pub fn problem(
    conn: &mut DbConnection,
    congress: CongressId,
    group_id: SlotGroupId,
) -> Result<Problem, ServiceError> {
    let g = group(conn, congress, group_id)?;
    let ws: Vec<WorkshopRow> = sessions::table
        .filter(sessions::slot_group_id.eq(group_id))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::capacity.is_not_null())
        .order(sessions::id)
        .select((
            sessions::id,
            sessions::title,
            sessions::capacity,
            sessions::enrolled_count,
            sessions::room_id,
            sessions::starts_at,
            sessions::ends_at,
        ))
        .load(conn)?;
    let room_caps: HashMap<RoomId, Option<i32>> = rooms::table
        .filter(rooms::congress_id.eq(congress))
        .select((rooms::id, rooms::capacity))
        .load::<(RoomId, Option<i32>)>(conn)?
        .into_iter()
        .collect();
    let index: HashMap<SessionId, usize> = ws.iter().enumerate().map(|(i, w)| (w.0, i)).collect();
    let totals: Vec<u32> = ws
        .iter()
        .map(|(_, _, cap, _, room, _, _)| {
            let room_cap = room.and_then(|r| room_caps.get(&r).copied().flatten());
            match (*cap, room_cap) {
                (Some(c), Some(r)) => c.min(r),
                (Some(c), None) => c,
                _ => 0,
            }
            .max(0) as u32
        })
        .collect();
    let taken_before: Vec<u32> = ws.iter().map(|w| w.3.max(0) as u32).collect();
    let workshops: Vec<(SessionId, String, u32)> = ws
        .iter()
        .zip(&totals)
        .map(|((id, title, _, enrolled, _, _, _), total)| {
            (*id, title.clone(), total.saturating_sub(*enrolled as u32))
        })
        .collect();
    // Confirmed registrations with a ranking, and their category's priority.
    let ranked: Vec<(RegistrationId, SessionId, i32)> = preferences::table
        .inner_join(registrations::table.inner_join(categories::table))
        .filter(preferences::slot_group_id.eq(group_id))
        .filter(registrations::status.eq(RegistrationStatus::Confirmed))
        .order((preferences::registration_id, preferences::rank))
        .select((
            preferences::registration_id,
            preferences::session_id,
            categories::priority,
        ))
        .load(conn)?;
    // Seats they hold elsewhere (rule 3: no overlapping workshops).
    let ids: Vec<RegistrationId> = {
        let mut v: Vec<RegistrationId> = ranked.iter().map(|r| r.0).collect();
        v.dedup();
        v
    };
    let held: Vec<(RegistrationId, Option<NaiveDateTime>, Option<NaiveDateTime>)> =
        enrollments::table
            .inner_join(sessions::table)
            .filter(enrollments::registration_id.eq_any(&ids))
            .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
            .filter(
                sessions::slot_group_id
                    .ne(group_id)
                    .or(sessions::slot_group_id.is_null()),
            )
            .select((
                enrollments::registration_id,
                sessions::starts_at,
                sessions::ends_at,
            ))
            .load(conn)?;
    let mut held_by: HashMap<RegistrationId, Vec<(NaiveDateTime, NaiveDateTime)>> = HashMap::new();
    for (r, a, b) in held {
        if let (Some(a), Some(b)) = (a, b) {
            held_by.entry(r).or_default().push((a, b));
        }
    }
    // People who already hold a seat in this block (taken before it switched to ranked
    // choices) keep it and take no part.
    let seated: std::collections::HashSet<RegistrationId> = enrollments::table
        .inner_join(sessions::table)
        .filter(sessions::slot_group_id.eq(group_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .select(enrollments::registration_id)
        .load::<RegistrationId>(conn)?
        .into_iter()
        .collect();
    let ranked: Vec<(RegistrationId, SessionId, i32)> = ranked
        .into_iter()
        .filter(|r| !seated.contains(&r.0))
        .collect();
    let mut priorities: Vec<i32> = ranked.iter().map(|r| r.2).collect();
    priorities.sort_unstable_by(|a, b| b.cmp(a));
    priorities.dedup();
    let mut by_person: BTreeMap<RegistrationId, (Vec<usize>, i32)> = BTreeMap::new();
    let mut dropped = 0;
    for (r, s, prio) in ranked {
        let Some(&i) = index.get(&s) else { continue };
        let (a, b) = (ws[i].5, ws[i].6);
        let clash = matches!((a, b), (Some(a), Some(b)) if held_by.get(&r).is_some_and(|h| h.iter().any(|(x, y)| *x < b && a < *y)));
        let entry = by_person.entry(r).or_insert((vec![], prio));
        if clash {
            dropped += 1;
        } else if entry.0.len() < g.rank_depth as usize {
            entry.0.push(i);
        }
    }
    let registrations: Vec<RegistrationId> = by_person.keys().copied().collect();
    let people = by_person
        .into_values()
        .map(|(choices, prio)| Ranking {
            choices,
            tier: priorities.iter().position(|p| *p == prio).unwrap_or(0) as u8,
        })
        .collect();
    Ok(Problem {
        group: g,
        instance: Instance {
            seats: workshops.iter().map(|w| w.2).collect(),
            people,
        },
        workshops,
        registrations,
        dropped_for_overlap: dropped,
        taken_before,
        total: totals,
        seated: seated.len(),
    })
}

/// The preview: the result and its figures, nothing written.
pub struct Preview {
    pub problem: Problem,
    pub allocation: Allocation,
    pub stats: Stats,
}

pub fn preview(
    conn: &mut DbConnection,
    congress: CongressId,
    group_id: SlotGroupId,
    seed: u64,
) -> Result<Preview, ServiceError> {
    let problem = problem(conn, congress, group_id)?;
    let allocation = allocate(&problem.instance, seed);
    let stats = allocation.stats(&problem.instance);
    Ok(Preview {
        problem,
        allocation,
        stats,
    })
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Committed {
    pub enrolled: usize,
    pub waitlisted: usize,
    pub emails: usize,
}

/// Commits the allocation of `seed`, in one transaction: seats for the placed, the waitlist of
/// their first choice for the others (by lottery), one email each with their result; the
/// group then runs first come, first served. Refused when already allocated.
pub fn commit(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    group_id: SlotGroupId,
    seed: u64,
    actor: Actor,
) -> Result<Committed, ServiceError> {
    let now = now_utc();
    write_transaction(conn, |conn| {
        group(conn, congress, group_id)?;
        // Claim the group first: a second commit waits here and then finds it allocated.
        let n = diesel::update(
            slot_groups::table
                .filter(slot_groups::id.eq(group_id))
                .filter(slot_groups::congress_id.eq(congress))
                .filter(slot_groups::allocated_at.is_null())
                .filter(slot_groups::allocation_mode.eq("ranked")),
        )
        .set((
            slot_groups::allocated_at.eq(Some(now)),
            slot_groups::allocation_seed.eq(Some(seed as i64)),
            slot_groups::allocation_mode.eq("fcfs"),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(ServiceError::Conflict(
                "not in preference mode, or allocated".into(),
            ));
        }
        let Preview {
            problem,
            allocation,
            ..
        } = preview(conn, congress, group_id, seed)?;
        let title: String = congresses::table
            .find(congress)
            .select(congresses::title)
            .first(conn)?;
        let mut done = Committed::default();
        // The unplaced join their first choice's waitlist in lottery order.
        let mut order: Vec<usize> = (0..problem.registrations.len()).collect();
        order.sort_by_key(|&p| allocation.lottery[p]);
        for p in order {
            let r: rows::Registration = registrations::table
                .find(problem.registrations[p])
                .select(rows::Registration::as_select())
                .first(conn)?;
            let lang = Lang::parse(&r.language).unwrap_or(Lang::De);
            let choices = &problem.instance.people[p].choices;
            let line = match allocation.placed[p] {
                Some((w, rank)) => {
                    let (session, ref name, _) = problem.workshops[w];
                    match reg::enroll(conn, &r, session, now)? {
                        SeatOutcome::Enrolled | SeatOutcome::Already => {
                            done.enrolled += 1;
                            match lang {
                                Lang::De => {
                                    format!("{name}: Platz sicher (Ihre {}. Wahl)", rank + 1)
                                }
                                Lang::En => {
                                    format!("{name}: seat confirmed (your choice no. {})", rank + 1)
                                }
                            }
                        }
                        other => {
                            return Err(ServiceError::Internal(format!(
                                "allocated seat not available: {other:?}"
                            )))
                        }
                    }
                }
                None => match choices.first() {
                    Some(&w) => {
                        let (session, ref name, _) = problem.workshops[w];
                        match reg::enroll(conn, &r, session, now)? {
                            SeatOutcome::Waitlisted(pos) => {
                                done.waitlisted += 1;
                                match lang {
                                    Lang::De => format!("Keiner Ihrer Wünsche war frei. {name}: Warteliste, Platz {pos}"),
                                    Lang::En => format!("None of your choices had a seat left. {name}: waiting list, position {pos}"),
                                }
                            }
                            SeatOutcome::Enrolled => {
                                done.enrolled += 1;
                                format!("{name}: OK")
                            }
                            other => format!("{name}: {other:?}"),
                        }
                    }
                    None => continue,
                },
            };
            let name = format!("{} {}", r.first_name, r.last_name);
            if outbox::queue(
                conn,
                ctx,
                Mail {
                    congress_id: Some(congress),
                    kind: MailKind::AllocationResult,
                    key: format!("allocation:{group_id}:{}", r.id),
                    to: &r.email,
                    lang,
                    name: &name,
                    congress: &title,
                    detail: &problem.group.name,
                    link: &format!("{}/r/{}", ctx.base_url, manage_token(ctx, &r)),
                    extra: &[],
                    lines: &[line],
                    attachments: &[],
                },
            )? {
                done.emails += 1;
            }
        }
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress),
                kind: "slot_group.allocated",
                entity: "slot_group",
                entity_id: Some(group_id.get()),
                before: None,
                after: Some(serde_json::json!({
                    "seed": seed,
                    "enrolled": done.enrolled,
                    "waitlisted": done.waitlisted,
                })),
            },
        )?;
        Ok(done)
    })
}
