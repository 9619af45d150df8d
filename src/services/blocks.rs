//! Workshop blocks (slot groups) in the back office: create, rename, delete, put a session in
//! one, and make one of the workshops that start together. The rules of a sound block are
//! `domain::blocks`; the allocation settings of a block are `services::allocation`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::setup::name_taken;
use super::ServiceError;
use crate::db::rows::NewSlotGroup;
use crate::db::schema::{congresses, preferences, rooms, sessions, slot_groups};
use crate::db::{write_transaction, DbConnection};
use crate::domain::blocks::{self, Member, Shape};
use crate::domain::time::{local_date_of, parse_time_zone};
use crate::domain::{CongressId, RoomId, SessionId, SessionKind, SessionStatus, SlotGroupId};
use crate::i18n::Lang;

/// Workshops that start together: the start, and the sessions with their titles.
pub type ParallelStart = (DateTime<Utc>, Vec<(SessionId, String)>);

/// A block as entered.
#[derive(Debug, Clone, Serialize)]
pub struct BlockInput {
    pub name: String,
    pub day: Option<NaiveDate>,
}

/// A session of a block as the back office lists it.
#[derive(Debug, Clone)]
pub struct BlockSession {
    pub id: SessionId,
    pub title: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub room: Option<String>,
    pub capacity: Option<i32>,
    pub enrolled: i32,
    pub waiting: i32,
}

/// A block with its sessions and what is wrong with it.
#[derive(Debug, Clone)]
pub struct BlockRow {
    pub id: SlotGroupId,
    pub name: String,
    pub day: Option<NaiveDate>,
    /// `fcfs` or `ranked`
    pub mode: String,
    pub allocated: bool,
    pub sessions: Vec<BlockSession>,
    pub shape: Shape,
    /// People who stated a choice (a pick or a ranking) in this block.
    pub choosers: i64,
}

type BlockHead = (
    SlotGroupId,
    String,
    Option<NaiveDate>,
    String,
    Option<NaiveDateTime>,
);

type SessionOfBlock = (
    SessionId,
    Option<SlotGroupId>,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<RoomId>,
    Option<i32>,
    i32,
    i32,
);

fn tz_of(conn: &mut DbConnection, congress: CongressId) -> Result<chrono_tz::Tz, ServiceError> {
    let tz: String = congresses::table
        .find(congress)
        .select(congresses::time_zone)
        .first(conn)?;
    parse_time_zone(&tz).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The blocks of a congress with their sessions, in a fixed number of queries.
pub fn list(conn: &mut DbConnection, congress: CongressId) -> Result<Vec<BlockRow>, ServiceError> {
    let tz = tz_of(conn, congress)?;
    let heads: Vec<BlockHead> = slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .order((slot_groups::day.asc(), slot_groups::name, slot_groups::id))
        .select((
            slot_groups::id,
            slot_groups::name,
            slot_groups::day,
            slot_groups::allocation_mode,
            slot_groups::allocated_at,
        ))
        .load(conn)?;
    let members: Vec<SessionOfBlock> = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::slot_group_id.is_not_null())
        .order((sessions::starts_at, sessions::title))
        .select((
            sessions::id,
            sessions::slot_group_id,
            sessions::title,
            sessions::starts_at,
            sessions::ends_at,
            sessions::room_id,
            sessions::capacity,
            sessions::enrolled_count,
            sessions::waitlisted_count,
        ))
        .load(conn)?;
    let room_names: HashMap<RoomId, String> = rooms::table
        .filter(rooms::congress_id.eq(congress))
        .select((rooms::id, rooms::name))
        .load::<(RoomId, String)>(conn)?
        .into_iter()
        .collect();
    let choosers: HashMap<SlotGroupId, i64> = preferences::table
        .inner_join(slot_groups::table)
        .filter(slot_groups::congress_id.eq(congress))
        .filter(preferences::rank.eq(1))
        .group_by(preferences::slot_group_id)
        .select((preferences::slot_group_id, diesel::dsl::count_star()))
        .load::<(SlotGroupId, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(heads
        .into_iter()
        .map(|(id, name, day, mode, allocated)| {
            let mine: Vec<&SessionOfBlock> = members.iter().filter(|m| m.1 == Some(id)).collect();
            let ms: Vec<Member> = mine
                .iter()
                .map(|m| Member {
                    session: m.0,
                    block: m.1,
                    slot: m.3.zip(m.4).map(|(a, b)| (a.and_utc(), b.and_utc())),
                })
                .collect();
            BlockRow {
                shape: blocks::shape(tz, day, &ms),
                sessions: mine
                    .into_iter()
                    .map(|m| BlockSession {
                        id: m.0,
                        title: m.2.clone(),
                        starts_at: m.3.map(|t| t.and_utc()),
                        ends_at: m.4.map(|t| t.and_utc()),
                        room: m.5.and_then(|r| room_names.get(&r).cloned()),
                        capacity: m.6,
                        enrolled: m.7,
                        waiting: m.8,
                    })
                    .collect(),
                choosers: choosers.get(&id).copied().unwrap_or(0),
                id,
                name,
                day,
                mode,
                allocated: allocated.is_some(),
            }
        })
        .collect())
}

/// The blocks of a congress as (id, name), for pickers.
pub fn names(
    conn: &mut DbConnection,
    congress: CongressId,
) -> QueryResult<Vec<(SlotGroupId, String)>> {
    slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .order((slot_groups::day.asc(), slot_groups::name))
        .select((slot_groups::id, slot_groups::name))
        .load(conn)
}

/// One block with its sessions.
pub fn get(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SlotGroupId,
) -> Result<BlockRow, ServiceError> {
    list(conn, congress)?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or(ServiceError::NotFound)
}

fn check_day(
    conn: &mut DbConnection,
    congress: CongressId,
    day: Option<NaiveDate>,
) -> Result<(), ServiceError> {
    if let Some(d) = day {
        let (first, last): (NaiveDate, NaiveDate) = congresses::table
            .find(congress)
            .select((congresses::first_day, congresses::last_day))
            .first(conn)?;
        if d < first || d > last {
            return Err(ServiceError::invalid("day", "outside"));
        }
    }
    Ok(())
}

/// Creates an empty block (first come, first served).
pub fn add(
    conn: &mut DbConnection,
    congress: CongressId,
    b: &BlockInput,
    actor: Actor,
) -> Result<SlotGroupId, ServiceError> {
    write_transaction(conn, |conn| add_in(conn, congress, b, actor))
}

pub fn add_in(
    conn: &mut DbConnection,
    congress: CongressId,
    b: &BlockInput,
    actor: Actor,
) -> Result<SlotGroupId, ServiceError> {
    check_day(conn, congress, b.day)?;
    let id: SlotGroupId = diesel::insert_into(slot_groups::table)
        .values((
            NewSlotGroup {
                congress_id: congress,
                name: &b.name,
                allocation_mode: "fcfs",
                rank_depth: 3,
            },
            slot_groups::day.eq(b.day),
        ))
        .returning(slot_groups::id)
        .get_result(conn)
        .map_err(name_taken)?;
    audit::change(
        conn,
        actor,
        congress,
        "slot_group.created",
        id,
        None,
        serde_json::to_value(b).ok(),
    )?;
    Ok(id)
}

/// Renames a block or moves it to another day.
pub fn update(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SlotGroupId,
    b: &BlockInput,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        check_day(conn, congress, b.day)?;
        let (name, day): (String, Option<NaiveDate>) = slot_groups::table
            .find(id)
            .filter(slot_groups::congress_id.eq(congress))
            .select((slot_groups::name, slot_groups::day))
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        diesel::update(slot_groups::table.find(id))
            .set((slot_groups::name.eq(&b.name), slot_groups::day.eq(b.day)))
            .execute(conn)
            .map_err(name_taken)?;
        audit::change(
            conn,
            actor,
            congress,
            "slot_group.updated",
            id,
            Some(serde_json::json!({ "name": name, "day": day })),
            serde_json::to_value(b).ok(),
        )?;
        Ok(())
    })
}

/// Deletes a block: its sessions stay (as single workshops, seats and waiting lists kept); the
/// picks stored for it go. Refused while it collects rankings that the allocation has not used
/// yet — they would be lost without a word.
pub fn delete(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SlotGroupId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let (name, mode, allocated): (String, String, Option<NaiveDateTime>) = slot_groups::table
            .find(id)
            .filter(slot_groups::congress_id.eq(congress))
            .select((
                slot_groups::name,
                slot_groups::allocation_mode,
                slot_groups::allocated_at,
            ))
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        if mode == "ranked" && allocated.is_none() {
            let rankings: i64 = preferences::table
                .filter(preferences::slot_group_id.eq(id))
                .filter(preferences::rank.eq(1))
                .count()
                .get_result(conn)?;
            if rankings > 0 {
                return Err(ServiceError::Conflict(format!("rankings:{rankings}")));
            }
        }
        diesel::update(sessions::table.filter(sessions::slot_group_id.eq(id)))
            .set(sessions::slot_group_id.eq(None::<SlotGroupId>))
            .execute(conn)?;
        diesel::delete(preferences::table.filter(preferences::slot_group_id.eq(id)))
            .execute(conn)?;
        diesel::delete(slot_groups::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "slot_group.deleted",
            id,
            Some(serde_json::json!({ "name": name, "mode": mode })),
            None,
        )?;
        Ok(())
    })
}

/// Puts a session in a block (or takes it out, `None`) inside the caller's transaction. The
/// block must be the congress's. A session leaves a block only when no ranking that is still to
/// be allocated names it; its first-come picks there go (the seats stay).
pub fn set_block_in(
    conn: &mut DbConnection,
    congress: CongressId,
    session: SessionId,
    block: Option<SlotGroupId>,
) -> Result<bool, ServiceError> {
    if let Some(b) = block {
        let known: i64 = slot_groups::table
            .find(b)
            .filter(slot_groups::congress_id.eq(congress))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(ServiceError::invalid("block", "unknown"));
        }
    }
    let before: Option<SlotGroupId> = sessions::table
        .find(session)
        .filter(sessions::congress_id.eq(congress))
        .select(sessions::slot_group_id)
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)?;
    if before == block {
        return Ok(false);
    }
    if let Some(old) = before {
        let (mode, allocated): (String, Option<NaiveDateTime>) = slot_groups::table
            .find(old)
            .select((slot_groups::allocation_mode, slot_groups::allocated_at))
            .first(conn)?;
        let naming: i64 = preferences::table
            .filter(preferences::slot_group_id.eq(old))
            .filter(preferences::session_id.eq(session))
            .count()
            .get_result(conn)?;
        if mode == "ranked" && allocated.is_none() && naming > 0 {
            return Err(ServiceError::invalid("block", naming.to_string()));
        }
        diesel::delete(
            preferences::table
                .filter(preferences::slot_group_id.eq(old))
                .filter(preferences::session_id.eq(session)),
        )
        .execute(conn)?;
    }
    // Compare-and-set on the block read: of two concurrent moves one wins.
    let target = sessions::table.find(session);
    let changed = match before {
        Some(old) => diesel::update(target.filter(sessions::slot_group_id.eq(old)))
            .set(sessions::slot_group_id.eq(block))
            .execute(conn)?,
        None => diesel::update(target.filter(sessions::slot_group_id.is_null()))
            .set(sessions::slot_group_id.eq(block))
            .execute(conn)?,
    };
    if changed != 1 {
        return Err(ServiceError::Conflict("block changed meanwhile".into()));
    }
    Ok(true)
}

/// Puts one session in a block (or takes it out), as its own command.
pub fn assign(
    conn: &mut DbConnection,
    congress: CongressId,
    session: SessionId,
    block: Option<SlotGroupId>,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before: Option<SlotGroupId> = sessions::table
            .find(session)
            .filter(sessions::congress_id.eq(congress))
            .select(sessions::slot_group_id)
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        if set_block_in(conn, congress, session, block)? {
            audit::change(
                conn,
                actor,
                congress,
                "session.block",
                session,
                Some(serde_json::json!({ "slot_group_id": before })),
                Some(serde_json::json!({ "slot_group_id": block })),
            )?;
        }
        Ok(())
    })
}

/// Sessions that count as workshops for grouping: scheduled workshops, or any scheduled session
/// that takes enrollments.
fn workshop_members(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<Member>> {
    let rows: Vec<(SessionId, Option<SlotGroupId>, NaiveDateTime, NaiveDateTime)> = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(
            sessions::kind
                .eq(SessionKind::Workshop)
                .or(sessions::capacity.is_not_null()),
        )
        .filter(sessions::starts_at.is_not_null())
        .filter(sessions::ends_at.is_not_null())
        .order(sessions::id)
        .select((
            sessions::id,
            sessions::slot_group_id,
            sessions::starts_at.assume_not_null(),
            sessions::ends_at.assume_not_null(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(session, block, a, b)| Member {
            session,
            block,
            slot: Some((a.and_utc(), b.and_utc())),
        })
        .collect())
}

/// Workshops that start together and are not all in a block yet: the start, and the
/// sessions with their titles.
pub fn parallel_starts(
    conn: &mut DbConnection,
    congress: CongressId,
) -> Result<Vec<ParallelStart>, ServiceError> {
    let starts = blocks::parallel_starts(&workshop_members(conn, congress)?);
    let ids: Vec<SessionId> = starts.iter().flat_map(|s| s.1.iter().copied()).collect();
    let titles: HashMap<SessionId, String> = sessions::table
        .filter(sessions::id.eq_any(&ids))
        .select((sessions::id, sessions::title))
        .load::<(SessionId, String)>(conn)?
        .into_iter()
        .collect();
    Ok(starts
        .into_iter()
        .map(|(start, ids)| {
            let named = ids
                .into_iter()
                .map(|id| (id, titles.get(&id).cloned().unwrap_or_default()))
                .collect();
            (start, named)
        })
        .collect())
}

/// Makes one block of the workshops that start at `start`: those already in a block stay there
/// when it is the only one among them (the others join it); otherwise a new block named after
/// the day and time takes the ones without a block. Returns the block and how many joined.
pub fn group_parallel(
    conn: &mut DbConnection,
    congress: CongressId,
    start: DateTime<Utc>,
    lang: Lang,
    actor: Actor,
) -> Result<(SlotGroupId, usize), ServiceError> {
    write_transaction(conn, |conn| {
        group_parallel_in(conn, congress, start, lang, actor).map(|(id, n, _)| (id, n))
    })
}

/// [`group_parallel`] inside the caller's transaction; also says whether the block is new.
pub fn group_parallel_in(
    conn: &mut DbConnection,
    congress: CongressId,
    start: DateTime<Utc>,
    lang: Lang,
    actor: Actor,
) -> Result<(SlotGroupId, usize, bool), ServiceError> {
    let tz = tz_of(conn, congress)?;
    let together: Vec<Member> = workshop_members(conn, congress)?
        .into_iter()
        .filter(|m| m.slot.is_some_and(|s| s.0 == start))
        .collect();
    if together.len() < 2 {
        return Err(ServiceError::invalid("start", "fewer than two workshops"));
    }
    let mut existing: Vec<SlotGroupId> = together.iter().filter_map(|m| m.block).collect();
    existing.sort_unstable();
    existing.dedup();
    let local = start.with_timezone(&tz);
    let day = local_date_of(tz, start);
    let (target, created) = match existing.as_slice() {
        [one] => (*one, false),
        _ => {
            let base = format!(
                "{} {} {}",
                match lang {
                    Lang::De => "Werkstätten",
                    Lang::En => "Workshops",
                },
                lang.short_date(day),
                local.format("%H:%M")
            );
            let taken: Vec<String> = slot_groups::table
                .filter(slot_groups::congress_id.eq(congress))
                .select(slot_groups::name)
                .load(conn)?;
            let name = (1..)
                .map(|n| {
                    if n == 1 {
                        base.clone()
                    } else {
                        format!("{base} ({n})")
                    }
                })
                .find(|n| !taken.contains(n))
                .unwrap_or(base);
            let input = BlockInput {
                name,
                day: Some(day),
            };
            (add_in(conn, congress, &input, actor)?, true)
        }
    };
    let mut joined = 0;
    for m in together.iter().filter(|m| m.block.is_none()) {
        if set_block_in(conn, congress, m.session, Some(target))? {
            joined += 1;
            audit::change(
                conn,
                actor,
                congress,
                "session.block",
                m.session,
                Some(serde_json::json!({ "slot_group_id": null })),
                Some(serde_json::json!({ "slot_group_id": target })),
            )?;
        }
    }
    Ok((target, joined, created))
}

/// The workshop blocks of an imported file (`conference.meta.blocks`): found by name in the
/// congress or created, and their events (by guid, `by_guid`) put in them. An event whose block
/// cannot change now (its rankings still to be allocated) stays where it is, with a warning.
/// Returns blocks created, sessions put in a block, warnings; a block day outside the congress
/// is `Invalid { field: "day", message: <where in the file> }`.
pub fn from_file(
    conn: &mut DbConnection,
    congress: CongressId,
    file_blocks: &[crate::formats::kongress_meta::BlockIn],
    by_guid: &HashMap<&str, SessionId>,
    actor: Actor,
) -> Result<(usize, usize, Vec<String>), ServiceError> {
    let (mut created, mut grouped, mut warnings) = (0, 0, vec![]);
    for b in file_blocks {
        let found: Option<SlotGroupId> = slot_groups::table
            .filter(slot_groups::congress_id.eq(congress))
            .filter(slot_groups::name.eq(&b.name))
            .select(slot_groups::id)
            .first(conn)
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                let input = BlockInput {
                    name: b.name.clone(),
                    day: b.day,
                };
                created += 1;
                add_in(conn, congress, &input, actor).map_err(|e| match e {
                    ServiceError::Invalid { field: "day", .. } => {
                        ServiceError::invalid("day", format!("{}.date", b.at))
                    }
                    other => other,
                })?
            }
        };
        for guid in &b.events {
            let Some(session) = by_guid.get(guid.as_str()) else {
                warnings.push(format!(
                    "{}: event {guid} is not in the file; left out of the block",
                    b.at
                ));
                continue;
            };
            match set_block_in(conn, congress, *session, Some(id)) {
                Ok(true) => grouped += 1,
                Ok(false) => {}
                Err(ServiceError::Invalid { message, .. }) => warnings.push(format!(
                    "{}: event {guid} stays in its block: {message} ranking(s) still to be \
                     allocated name it",
                    b.at
                )),
                Err(e) => return Err(e),
            }
        }
    }
    Ok((created, grouped, warnings))
}
