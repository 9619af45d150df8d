//! What publishing tells people (SPEC §2 rule 7, issue 5), written to the outbox in the
//! publishing transaction:
//! - every speaker with an email whose session is in the programme and who never had a link
//!   gets one email with their private link;
//! - every other affected speaker, and every participant enrolled in an affected session, gets
//!   one digest listing each change old → new.
//!
//! The idempotency keys name the version, so a retried publish never sends twice; a publish
//! without changes has no affected people and sends nothing.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::{self, Mail};
use super::registration::manage_token;
use super::speaker_portal;
use super::Ctx;
use super::ServiceError;
use crate::db::rows;
use crate::db::schema::{enrollments, registrations, speaker_links, speakers};
use crate::db::DbConnection;
use crate::domain::programme::{Change, ProgrammeSnapshot};
use crate::domain::MailKind;
use crate::domain::{EnrollmentStatus, RegistrationStatus};
use crate::domain::{RegistrationId, SessionId, SpeakerId};
use crate::i18n::Lang;

/// What publishing queued.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notified {
    pub speaker_links: usize,
    pub speaker_digests: usize,
    pub participant_digests: usize,
}

/// Whether a change concerns people enrolled in the session (an added session has nobody yet).
fn concerns_participants(c: &Change) -> bool {
    !matches!(c, Change::Added { .. })
}

/// Queues links and digests for version `number` of a congress (in the caller's transaction).
pub fn after_publish(
    conn: &mut DbConnection,
    ctx: &Ctx,
    previous: Option<&ProgrammeSnapshot>,
    next: &ProgrammeSnapshot,
    number: i32,
    changes: &[Change],
    now: NaiveDateTime,
) -> Result<Notified, ServiceError> {
    let congress_id = next.congress.id;
    let mut out = Notified::default();

    // 1. Links for speakers in the programme who never had one.
    let in_programme: BTreeSet<SpeakerId> = next
        .sessions
        .iter()
        .filter(|s| !s.cancelled)
        .flat_map(|s| s.speakers.iter().map(|r| r.speaker_id))
        .collect();
    let ever_linked: HashSet<SpeakerId> = speaker_links::table
        .inner_join(speakers::table)
        .filter(speakers::congress_id.eq(congress_id))
        .select(speaker_links::speaker_id)
        .distinct()
        .load::<SpeakerId>(conn)?
        .into_iter()
        .collect();
    let people: Vec<rows::Speaker> = speakers::table
        .filter(speakers::congress_id.eq(congress_id))
        .filter(speakers::email.is_not_null())
        .select(rows::Speaker::as_select())
        .load(conn)?;
    let mut linked_now = HashSet::new();
    for s in people.iter().filter(|s| in_programme.contains(&s.id)) {
        if ever_linked.contains(&s.id) {
            continue;
        }
        let token = speaker_portal::issue_link(conn, ctx, s, now)?;
        if speaker_portal::queue_link_mail(conn, ctx, s, &token, "first")? {
            out.speaker_links += 1;
        }
        linked_now.insert(s.id);
    }

    // 2. Digests: only when there was a version before (the first one is all new).
    let Some(previous) = previous else {
        return Ok(out);
    };
    let mut by_session: BTreeMap<SessionId, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        by_session.entry(c.session()).or_default().push(c);
    }
    if by_session.is_empty() {
        return Ok(out);
    }
    let tz =
        crate::domain::time::parse_time_zone(&next.congress.time_zone).unwrap_or(chrono_tz::UTC);
    // Each session's position in the new programme (removed ones after), for ordered lines.
    let mut order: BTreeMap<SessionId, usize> = BTreeMap::new();
    for (i, s) in next
        .sessions
        .iter()
        .chain(previous.sessions.iter())
        .enumerate()
    {
        order.entry(s.id).or_insert(i);
    }
    let lines = |lang: Lang, sessions: &BTreeSet<SessionId>, filter: fn(&Change) -> bool| {
        let mut ids: Vec<&SessionId> = sessions.iter().collect();
        ids.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
        ids.into_iter()
            .flat_map(|id| by_session.get(id).into_iter().flatten())
            .filter(|c| filter(c))
            .map(|c| crate::i18n::changes::change_text(lang, tz, c))
            .collect::<Vec<String>>()
    };

    // Speakers of a changed session, before or after the change.
    let mut speaker_sessions: BTreeMap<SpeakerId, BTreeSet<SessionId>> = BTreeMap::new();
    for s in next.sessions.iter().chain(previous.sessions.iter()) {
        if !by_session.contains_key(&s.id) {
            continue;
        }
        for r in &s.speakers {
            speaker_sessions
                .entry(r.speaker_id)
                .or_default()
                .insert(s.id);
        }
    }
    let lang = speaker_portal::congress_lang(&next.congress.languages.join(","));
    for s in &people {
        let Some(sessions) = speaker_sessions.get(&s.id) else {
            continue;
        };
        if linked_now.contains(&s.id) {
            continue; // their link email, sent now, shows the current slots
        }
        let Some(to) = s.email.clone() else { continue };
        let link = match speaker_portal::current_token(conn, ctx, s.id, now)? {
            Some(token) => format!("{}/speaker/{token}", ctx.base_url),
            None => format!("{}/speaker/login", ctx.base_url),
        };
        if outbox::queue(
            conn,
            ctx,
            Mail {
                congress_id: Some(congress_id),
                kind: MailKind::SpeakerScheduleChanged,
                key: format!("speaker-digest:{congress_id}:{number}:{}", s.id),
                to: &to,
                lang,
                name: &s.name,
                congress: &next.congress.title,
                detail: "",
                link: &link,
                extra: &[],
                lines: &lines(lang, sessions, |_| true),
                attachments: &[],
            },
        )? {
            out.speaker_digests += 1;
        }
    }

    // Participants holding a seat in a changed session (one query for all of them).
    let changed: Vec<i64> = by_session
        .iter()
        .filter(|(_, cs)| cs.iter().any(|c| concerns_participants(c)))
        .map(|(id, _)| id.get())
        .collect();
    let held: Vec<(RegistrationId, i64)> = enrollments::table
        .filter(enrollments::session_id.eq_any(&changed))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .select((enrollments::registration_id, enrollments::session_id))
        .load(conn)?;
    let mut per_person: BTreeMap<RegistrationId, BTreeSet<SessionId>> = BTreeMap::new();
    for (reg, session) in held {
        per_person
            .entry(reg)
            .or_default()
            .insert(SessionId::from(session));
    }
    let ids: Vec<RegistrationId> = per_person.keys().copied().collect();
    let regs: Vec<rows::Registration> = registrations::table
        .filter(registrations::id.eq_any(&ids))
        .filter(registrations::status.eq(RegistrationStatus::Confirmed))
        .order(registrations::id)
        .select(rows::Registration::as_select())
        .load(conn)?;
    for r in &regs {
        let lang = Lang::parse(&r.language).unwrap_or(Lang::De);
        let name = format!("{} {}", r.first_name, r.last_name);
        if outbox::queue(
            conn,
            ctx,
            Mail {
                congress_id: Some(congress_id),
                kind: MailKind::ParticipantScheduleChanged,
                key: format!("participant-digest:{congress_id}:{number}:{}", r.id),
                to: &r.email,
                lang,
                name: &name,
                congress: &next.congress.title,
                detail: "",
                link: &format!("{}/r/{}", ctx.base_url, manage_token(ctx, r)),
                extra: &[],
                lines: &lines(lang, &per_person[&r.id], concerns_participants),
                attachments: &[],
            },
        )? {
            out.participant_digests += 1;
        }
    }
    Ok(out)
}
