//! The speakers' side (SPEC §3 speaker routes, issue 5): private links without an account,
//! the page with every slot of the person across congresses, their calendar, profile and
//! confirmations, and what organizers see of it.
//!
//! A *person* is every speaker row with the same (normalized) email address: one link shows
//! the slots of all congresses they speak at. Link tokens are derived with HMAC from the
//! server secret and the link row, so each email about the person can carry the same link
//! while the database keeps only its hash; revoking a link marks the row, re-sending makes a
//! new row.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::outbox::{self, Mail};
use super::programme::{self, PublishedProgramme, SeatCount};
use super::Ctx;
use super::{tokens, ServiceError};
use crate::db::rows;
use crate::db::schema::{congresses, session_speakers, sessions, speaker_links, speakers};
use crate::db::DbConnection;
use crate::domain::programme::{changelog, SnapshotSession, SpeakerRole};
use crate::domain::CongressId;
use crate::domain::MailKind;
use crate::domain::SessionStatus;
use crate::domain::{SessionId, SpeakerId, SpeakerLinkId};
use crate::i18n::Lang;

/// How long a link stays valid after the congress's last day (and at least from now).
const LINK_GRACE_DAYS: i64 = 60;

/// The token of a link row (64 hex characters).
pub fn link_token(ctx: &Ctx, link_id: SpeakerLinkId, created_at: NaiveDateTime) -> String {
    tokens::derived(
        &ctx.secret,
        "speaker",
        link_id.get(),
        &created_at.and_utc().timestamp().to_string(),
    )
}

/// The language of emails to speakers: the congress's first language.
pub fn congress_lang(languages: &str) -> Lang {
    languages
        .split(',')
        .find_map(|l| Lang::parse(l.trim()))
        .unwrap_or(Lang::De)
}

fn load_speaker(conn: &mut DbConnection, id: SpeakerId) -> QueryResult<rows::Speaker> {
    speakers::table
        .find(id)
        .select(rows::Speaker::as_select())
        .first(conn)
}

fn speaker_in(
    conn: &mut DbConnection,
    congress_id: CongressId,
    speaker_id: SpeakerId,
) -> Result<rows::Speaker, ServiceError> {
    speakers::table
        .find(speaker_id)
        .filter(speakers::congress_id.eq(congress_id))
        .select(rows::Speaker::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// Creates a fresh link for a speaker and returns its token (in the caller's transaction).
pub fn issue_link(
    conn: &mut DbConnection,
    ctx: &Ctx,
    speaker: &rows::Speaker,
    now: NaiveDateTime,
) -> Result<String, ServiceError> {
    let last_day: chrono::NaiveDate = congresses::table
        .find(speaker.congress_id)
        .select(congresses::last_day)
        .first(conn)?;
    let expires = (last_day.and_hms_opt(23, 59, 59).unwrap_or_default()
        + Duration::days(LINK_GRACE_DAYS))
    .max(now + Duration::days(LINK_GRACE_DAYS));
    let placeholder = format!("p{}", tokens::new_token());
    let id: SpeakerLinkId = diesel::insert_into(speaker_links::table)
        .values((
            speaker_links::speaker_id.eq(speaker.id),
            speaker_links::token_hash.eq(&placeholder),
            speaker_links::created_at.eq(now),
            speaker_links::expires_at.eq(expires),
        ))
        .returning(speaker_links::id)
        .get_result(conn)?;
    let token = link_token(ctx, id, now);
    diesel::update(speaker_links::table.find(id))
        .set(speaker_links::token_hash.eq(tokens::hash(&token)))
        .execute(conn)?;
    Ok(token)
}

/// The token of the speaker's newest usable link, if any.
pub fn current_token(
    conn: &mut DbConnection,
    ctx: &Ctx,
    speaker_id: SpeakerId,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let row: Option<(SpeakerLinkId, NaiveDateTime)> = speaker_links::table
        .filter(speaker_links::speaker_id.eq(speaker_id))
        .filter(speaker_links::revoked_at.is_null())
        .filter(speaker_links::expires_at.gt(now))
        .order(speaker_links::id.desc())
        .select((speaker_links::id, speaker_links::created_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, at)| link_token(ctx, id, at)))
}

/// Queues the email with a speaker's private link (in the caller's transaction).
pub fn queue_link_mail(
    conn: &mut DbConnection,
    ctx: &Ctx,
    speaker: &rows::Speaker,
    token: &str,
    key: &str,
) -> Result<bool, ServiceError> {
    let Some(to) = speaker.email.clone() else {
        return Ok(false);
    };
    let (title, languages): (String, String) = congresses::table
        .find(speaker.congress_id)
        .select((congresses::title, congresses::languages))
        .first(conn)?;
    let lang = congress_lang(&languages);
    outbox::queue(
        conn,
        ctx,
        Mail {
            congress_id: Some(speaker.congress_id),
            kind: MailKind::SpeakerLink,
            key: format!("speaker-link:{}:{key}", speaker.id),
            to: &to,
            lang,
            name: &speaker.name,
            congress: &title,
            detail: &format!("{}/speaker/login", ctx.base_url),
            link: &format!("{}/speaker/{token}", ctx.base_url),
            extra: &[],
            lines: &[],
            attachments: &[],
        },
    )
}

/// `/speaker/login`: mails a fresh link when the address belongs to a speaker (their newest
/// speaker row); does nothing otherwise. The caller answers the same either way.
pub fn login(
    conn: &mut DbConnection,
    ctx: &Ctx,
    email: &str,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let speaker: Option<rows::Speaker> = speakers::table
            .filter(speakers::email.eq(email))
            .order(speakers::id.desc())
            .select(rows::Speaker::as_select())
            .first(conn)
            .optional()?;
        let Some(s) = speaker else {
            return Ok(false);
        };
        let token = issue_link(conn, ctx, &s, now)?;
        queue_link_mail(
            conn,
            ctx,
            &s,
            &token,
            &format!("login-{}", now.and_utc().timestamp_micros()),
        )?;
        Ok(true)
    })
}

/// An organizer sends a speaker a new link: older links stop working.
pub fn resend(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress_id: CongressId,
    speaker_id: SpeakerId,
    actor: Actor,
) -> Result<(), ServiceError> {
    let now = super::now_utc();
    crate::db::write_transaction(conn, |conn| {
        let s = speaker_in(conn, congress_id, speaker_id)?;
        if s.email.is_none() {
            return Err(ServiceError::invalid("email", "no email"));
        }
        revoke_all(conn, speaker_id, now)?;
        let token = issue_link(conn, ctx, &s, now)?;
        queue_link_mail(
            conn,
            ctx,
            &s,
            &token,
            &format!("resend-{}", now.and_utc().timestamp_micros()),
        )?;
        audit_link(conn, actor, &s, "speaker.link_sent")
    })
}

/// An organizer revokes every link of a speaker.
pub fn revoke(
    conn: &mut DbConnection,
    congress_id: CongressId,
    speaker_id: SpeakerId,
    actor: Actor,
) -> Result<(), ServiceError> {
    let now = super::now_utc();
    crate::db::write_transaction(conn, |conn| {
        let s = speaker_in(conn, congress_id, speaker_id)?;
        revoke_all(conn, speaker_id, now)?;
        audit_link(conn, actor, &s, "speaker.link_revoked")
    })
}

fn revoke_all(
    conn: &mut DbConnection,
    speaker_id: SpeakerId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        speaker_links::table
            .filter(speaker_links::speaker_id.eq(speaker_id))
            .filter(speaker_links::revoked_at.is_null()),
    )
    .set(speaker_links::revoked_at.eq(Some(now)))
    .execute(conn)
}

fn audit_link(
    conn: &mut DbConnection,
    actor: Actor,
    s: &rows::Speaker,
    kind: &str,
) -> Result<(), ServiceError> {
    audit::record(
        conn,
        actor,
        AuditEvent {
            congress_id: Some(s.congress_id),
            kind,
            entity: "speaker",
            entity_id: Some(s.id.get()),
            before: None,
            after: None,
        },
    )?;
    Ok(())
}

/// The speaker row a token opens (unknown, revoked and expired tokens open nothing); notes
/// when it was opened.
pub fn open(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<LinkState, ServiceError> {
    if !tokens::plausible(token) {
        return Ok(LinkState::Unknown);
    }
    let link: Option<(
        SpeakerLinkId,
        SpeakerId,
        Option<NaiveDateTime>,
        NaiveDateTime,
    )> = speaker_links::table
        .filter(speaker_links::token_hash.eq(tokens::hash(token)))
        .select((
            speaker_links::id,
            speaker_links::speaker_id,
            speaker_links::revoked_at,
            speaker_links::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((link_id, speaker_id, revoked_at, expires_at)) = link else {
        return Ok(LinkState::Unknown);
    };
    if revoked_at.is_some() || expires_at <= now {
        return Ok(LinkState::Gone);
    }
    diesel::update(speaker_links::table.find(link_id))
        .set(speaker_links::last_opened_at.eq(Some(now)))
        .execute(conn)?;
    Ok(LinkState::Open(Box::new(load_speaker(conn, speaker_id)?)))
}

/// What a speaker link leads to.
pub enum LinkState {
    Open(Box<rows::Speaker>),
    /// It was a link once: expired or revoked (410; a new one is a form away).
    Gone,
    /// No such link (404).
    Unknown,
}

/// Every speaker row of the person behind `speaker` (same email; just the row without one).
pub fn person_rows(
    conn: &mut DbConnection,
    speaker: &rows::Speaker,
) -> QueryResult<Vec<rows::Speaker>> {
    match &speaker.email {
        Some(email) => speakers::table
            .filter(speakers::email.eq(email))
            .order(speakers::id)
            .select(rows::Speaker::as_select())
            .load(conn),
        None => Ok(vec![speaker.clone()]),
    }
}

/// One slot of a speaker as the portal shows it, from the published version.
pub struct Slot {
    pub congress_slug: String,
    pub congress_title: String,
    pub tz: chrono_tz::Tz,
    pub session: SnapshotSession,
    pub room: Option<String>,
    pub track: Option<String>,
    pub role: SpeakerRole,
    /// The others on stage, in order, with their roles.
    pub co_speakers: Vec<(String, SpeakerRole)>,
    /// 'unconfirmed', 'confirmed' or 'declined'.
    pub confirmation: String,
    /// Live seats of a workshop.
    pub seats: Option<SeatCount>,
    /// What changed about this slot since the person last looked, as sentences.
    pub changes: Vec<String>,
}

/// What the portal shows.
pub struct Portal {
    pub speaker: rows::Speaker,
    pub slots: Vec<Slot>,
}

/// The person's slots in every congress's published programme, with what changed since they
/// last looked (which is then remembered). Queries: a fixed number per congress the person
/// speaks at.
pub fn portal(
    conn: &mut DbConnection,
    cache: &programme::ProgrammeCache,
    speaker: rows::Speaker,
    lang: Lang,
    remember: bool,
) -> Result<Portal, ServiceError> {
    let rows = person_rows(conn, &speaker)?;
    let ids: Vec<SpeakerId> = rows.iter().map(|r| r.id).collect();
    let confirmations: HashMap<(SessionId, SpeakerId), String> = session_speakers::table
        .filter(session_speakers::speaker_id.eq_any(&ids))
        .select((
            session_speakers::session_id,
            session_speakers::speaker_id,
            session_speakers::confirmation,
        ))
        .load::<(SessionId, SpeakerId, String)>(conn)?
        .into_iter()
        .map(|(session, sp, c)| ((session, sp), c))
        .collect();
    let mut slots = vec![];
    for row in &rows {
        let Some(p) = programme::latest_by_id(conn, cache, row.congress_id)? else {
            continue;
        };
        let old = match row.last_seen_version {
            Some(n) if n < p.number => old_snapshot(conn, row.congress_id, n)?,
            _ => None,
        };
        let changes = changelog(old.as_ref(), &p.snapshot);
        let tz = crate::domain::time::parse_time_zone(&p.snapshot.congress.time_zone)
            .unwrap_or(chrono_tz::UTC);
        let mine: Vec<&SnapshotSession> = p
            .snapshot
            .sessions
            .iter()
            .filter(|s| s.speakers.iter().any(|r| r.speaker_id == row.id))
            .collect();
        let counts = if mine.iter().any(|s| s.capacity.is_some()) {
            programme::live_counts(conn, row.congress_id)?
        } else {
            HashMap::new()
        };
        for s in mine {
            slots.push(slot(&p, row.id, s, &confirmations, &counts, tz, {
                if old.is_some() {
                    changes
                        .iter()
                        .filter(|c| c.session() == s.id)
                        .map(|c| crate::i18n::changes::change_text(lang, tz, c))
                        .collect()
                } else {
                    vec![]
                }
            }));
        }
        if remember && row.last_seen_version != Some(p.number) {
            diesel::update(speakers::table.find(row.id))
                .set(speakers::last_seen_version.eq(Some(p.number)))
                .execute(conn)?;
        }
    }
    slots.sort_by_key(|s| s.session.start);
    Ok(Portal { speaker, slots })
}

fn slot(
    p: &Arc<PublishedProgramme>,
    speaker_id: SpeakerId,
    s: &SnapshotSession,
    confirmations: &HashMap<(SessionId, SpeakerId), String>,
    counts: &HashMap<SessionId, SeatCount>,
    tz: chrono_tz::Tz,
    changes: Vec<String>,
) -> Slot {
    let role = s
        .speakers
        .iter()
        .find(|r| r.speaker_id == speaker_id)
        .map(|r| r.role)
        .unwrap_or(SpeakerRole::Speaker);
    Slot {
        congress_slug: p.snapshot.congress.slug.clone(),
        congress_title: p.snapshot.congress.title.clone(),
        tz,
        room: s.room_id.and_then(|r| p.room(r)).map(|r| r.name.clone()),
        track: s.track_id.and_then(|t| p.track(t)).map(|t| t.name.clone()),
        role,
        co_speakers: s
            .speakers
            .iter()
            .filter(|r| r.speaker_id != speaker_id)
            .filter_map(|r| p.speaker(r.speaker_id).map(|sp| (sp.name.clone(), r.role)))
            .collect(),
        confirmation: confirmations
            .get(&(s.id, speaker_id))
            .cloned()
            .unwrap_or_else(|| "unconfirmed".into()),
        seats: s
            .capacity
            .map(|_| counts.get(&s.id).copied().unwrap_or_default()),
        session: s.clone(),
        changes,
    }
}

fn old_snapshot(
    conn: &mut DbConnection,
    congress_id: CongressId,
    number: i32,
) -> Result<Option<crate::domain::programme::ProgrammeSnapshot>, ServiceError> {
    use crate::db::schema::schedule_versions;
    let json: Option<String> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .filter(schedule_versions::number.eq(number))
        .select(schedule_versions::snapshot)
        .first(conn)
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j).map_err(|e| ServiceError::Internal(format!("snapshot: {e}")))
    })
    .transpose()
}

/// The person's slots as calendar events (stable UIDs from the sessions' guids, SEQUENCE from
/// the published versions).
pub fn calendar(portal: &Portal, base_url: &str) -> String {
    let events: Vec<crate::formats::ical::CalEvent> = portal
        .slots
        .iter()
        .map(|s| crate::formats::ical::CalEvent {
            uid: s.session.guid.clone(),
            summary: s.session.title.clone(),
            description: s.session.abstract_.clone(),
            location: s.room.clone().unwrap_or_default(),
            start: s.session.start,
            end: s.session.end,
            sequence: s.session.sequence,
            url: format!("{base_url}/{}/sessions/{}", s.congress_slug, s.session.id),
            cancelled: s.session.cancelled,
        })
        .collect();
    crate::formats::ical::feed(&portal.speaker.name, &events)
}

/// The profile a speaker keeps current.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub name: String,
    pub organization: String,
    pub position: String,
    pub bio: String,
}

/// Saves the profile on every row of the person (they are one person in every congress),
/// audited per row. Public pages show it from the next published version on.
pub fn update_profile(
    conn: &mut DbConnection,
    speaker: &rows::Speaker,
    input: &ProfileInput,
) -> Result<(), ServiceError> {
    let now = super::now_utc();
    crate::db::write_transaction(conn, |conn| {
        for row in person_rows(conn, speaker)? {
            diesel::update(speakers::table.find(row.id))
                .set((
                    speakers::name.eq(&input.name),
                    speakers::organization.eq(&input.organization),
                    speakers::position.eq(&input.position),
                    speakers::bio.eq(&input.bio),
                    speakers::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::change(
                conn,
                Actor::Speaker,
                row.congress_id,
                "speaker.profile",
                row.id,
                Some(serde_json::json!({
                    "name": row.name, "organization": row.organization,
                    "position": row.position, "bio": row.bio,
                })),
                Some(serde_json::json!({
                    "name": input.name, "organization": input.organization,
                    "position": input.position, "bio": input.bio,
                })),
            )?;
        }
        Ok(())
    })
}

/// A speaker confirms or declines one of their sessions.
pub fn set_confirmation(
    conn: &mut DbConnection,
    speaker: &rows::Speaker,
    session_id: SessionId,
    answer: &str,
) -> Result<(), ServiceError> {
    if !matches!(answer, "confirmed" | "declined") {
        return Err(ServiceError::invalid("answer", "confirmed or declined"));
    }
    crate::db::write_transaction(conn, |conn| {
        let ids: Vec<SpeakerId> = person_rows(conn, speaker)?.iter().map(|r| r.id).collect();
        let row: Option<(i64, String, CongressId)> = session_speakers::table
            .inner_join(sessions::table)
            .filter(session_speakers::session_id.eq(session_id))
            .filter(session_speakers::speaker_id.eq_any(&ids))
            .select((
                session_speakers::speaker_id,
                session_speakers::confirmation,
                sessions::congress_id,
            ))
            .first(conn)
            .optional()?;
        let Some((speaker_id, before, congress_id)) = row else {
            return Err(ServiceError::NotFound);
        };
        diesel::update(
            session_speakers::table
                .filter(session_speakers::session_id.eq(session_id))
                .filter(session_speakers::speaker_id.eq(speaker_id)),
        )
        .set(session_speakers::confirmation.eq(answer))
        .execute(conn)?;
        audit::change(
            conn,
            Actor::Speaker,
            congress_id,
            "session.speaker_confirmation",
            session_id,
            Some(serde_json::json!({ "speaker": speaker_id, "confirmation": before })),
            Some(serde_json::json!({ "speaker": speaker_id, "confirmation": answer })),
        )?;
        Ok(())
    })
}

/// One speaker as organizers see the portal: links and confirmations.
pub struct SpeakerStatus {
    pub id: i64,
    pub name: String,
    pub has_email: bool,
    pub link_sent_at: Option<NaiveDateTime>,
    pub last_opened_at: Option<NaiveDateTime>,
    /// Whether the newest link is revoked or expired (and none works).
    pub link_usable: bool,
    /// (session id, title, confirmation) in programme order.
    pub sessions: Vec<(i64, String, String)>,
}

/// speaker, created, expires, revoked, last opened.
type LinkRow = (
    i64,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// The portal status of every speaker of a congress, in three queries.
pub fn statuses(
    conn: &mut DbConnection,
    congress_id: CongressId,
    now: NaiveDateTime,
) -> Result<Vec<SpeakerStatus>, ServiceError> {
    let people: Vec<(i64, String, Option<String>)> = speakers::table
        .filter(speakers::congress_id.eq(congress_id))
        .order((speakers::name, speakers::id))
        .select((speakers::id, speakers::name, speakers::email))
        .load(conn)?;
    let links: Vec<LinkRow> = speaker_links::table
        .inner_join(speakers::table)
        .filter(speakers::congress_id.eq(congress_id))
        .order(speaker_links::id)
        .select((
            speaker_links::speaker_id,
            speaker_links::created_at,
            speaker_links::expires_at,
            speaker_links::revoked_at,
            speaker_links::last_opened_at,
        ))
        .load(conn)?;
    let sessions: Vec<(i64, i64, String, String)> = session_speakers::table
        .inner_join(sessions::table)
        .filter(sessions::congress_id.eq(congress_id))
        .filter(sessions::status.ne(SessionStatus::Cancelled))
        .order((sessions::starts_at, sessions::id))
        .select((
            session_speakers::speaker_id,
            sessions::id,
            sessions::title,
            session_speakers::confirmation,
        ))
        .load(conn)?;
    let mut by_speaker: BTreeMap<i64, Vec<(i64, String, String)>> = BTreeMap::new();
    for (sp, id, title, c) in sessions {
        by_speaker.entry(sp).or_default().push((id, title, c));
    }
    Ok(people
        .into_iter()
        .map(|(id, name, email)| {
            let mine: Vec<_> = links.iter().filter(|l| l.0 == id).collect();
            SpeakerStatus {
                id,
                name,
                has_email: email.is_some(),
                link_sent_at: mine.iter().map(|l| l.1).max(),
                last_opened_at: mine.iter().filter_map(|l| l.4).max(),
                link_usable: mine.iter().any(|l| l.3.is_none() && l.2 > now),
                sessions: by_speaker.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

/// Whether a speaker id belongs to the snapshot's speakers (used by tests and digests).
pub fn speaks_in(s: &SnapshotSession, speaker: SpeakerId) -> bool {
    s.speakers.iter().any(|r| r.speaker_id == speaker)
}
