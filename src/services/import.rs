//! Import of frab/c3voc `schedule.xml` and `schedule.json` (as written by frab, pretalx and
//! the c3voc tools) into rooms, tracks, sessions and speakers (SPEC §1 `import`, issue 6).
//!
//! The whole file is read and checked first; a bad file is refused with a message naming the
//! line (XML) or the path (JSON) and nothing is written. Then one transaction matches by guid
//! within the congress: a re-import updates and never duplicates. Guids of the file are kept,
//! so a re-export carries them. Speakers without a guid in the file (frab's and pretalx's
//! XML, pretalx's JSON persons) get a UUIDv5 from the congress and their code, id or name,
//! which is stable across re-imports.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::{now_utc, ServiceError};
use crate::config::ImportLimits;
use crate::db::rows::{NewRoom, NewSession, NewSpeaker, NewTrack};
use crate::db::schema::{congresses, rooms, session_speakers, sessions, speakers, tracks};
use crate::db::{write_transaction, DbConnection};
use crate::domain::{Conflict, SessionId, Slug};

use crate::domain::{CongressId, RoomId, SpeakerId, TrackId};
use crate::domain::{CongressStatus, SessionStatus};
use crate::formats::schedule_import::{bad, is_uuid, ReadError};
pub use crate::formats::schedule_import::{
    check, kind_of, parse, BadFile, EventIn, OverLimit, PersonIn, RoomIn, Schedule,
};

/// Reads a schedule.xml or schedule.json within `limits` (see
/// [`crate::formats::schedule_import::read`]).
pub fn read(text: &str, limits: &ImportLimits) -> Result<Schedule, ImportError> {
    crate::formats::schedule_import::read(text, limits).map_err(ImportError::from)
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub congress_id: CongressId,
    pub slug: String,
    pub congress_created: bool,
    pub rooms_created: usize,
    pub tracks_created: usize,
    pub speakers_created: usize,
    pub speakers_updated: usize,
    pub sessions_created: usize,
    pub sessions_updated: usize,
    pub sessions_unchanged: usize,
    /// Workshop blocks created (from the file's blocks, or by grouping parallel workshops).
    pub blocks_created: usize,
    /// Sessions put in a block.
    pub sessions_grouped: usize,
    /// The version published, when it was.
    pub published: Option<i32>,
    pub warnings: Vec<String>,
    /// The schedule rules the programme breaks (a draft import goes through with them).
    pub conflicts: ImportConflicts,
}

impl Imported {
    /// Nothing done yet to the congress `congress_id`.
    fn new(congress_id: CongressId, slug: &str, warnings: Vec<String>) -> Imported {
        Imported {
            congress_id,
            slug: slug.to_string(),
            congress_created: false,
            rooms_created: 0,
            tracks_created: 0,
            speakers_created: 0,
            speakers_updated: 0,
            sessions_created: 0,
            sessions_updated: 0,
            sessions_unchanged: 0,
            blocks_created: 0,
            sessions_grouped: 0,
            published: None,
            warnings,
            conflicts: ImportConflicts::default(),
        }
    }
}

/// How many conflicts an import names; the rest are counted.
pub const NAMED_IMPORT_CONFLICTS: usize = 20;

/// The hard conflicts (room or speaker double-booked, outside the congress days) of the
/// programme an import leaves, bounded: the first few named, the rest counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportConflicts {
    /// (the session's title, its conflict), at most [`NAMED_IMPORT_CONFLICTS`].
    pub shown: Vec<(String, Conflict)>,
    /// Conflicts not named.
    pub more: usize,
    /// Sessions with at least one conflict.
    pub sessions: usize,
    /// Names of the speakers the named conflicts mention.
    pub speaker_names: HashMap<SpeakerId, String>,
}

impl ImportConflicts {
    pub fn is_empty(&self) -> bool {
        self.sessions == 0
    }

    /// One line per named conflict, then "and N more", in `lang`.
    pub fn lines(&self, lang: crate::i18n::Lang) -> Vec<String> {
        let mut out: Vec<String> = self
            .shown
            .iter()
            .map(|(title, c)| {
                let message = crate::i18n::admin::conflict_message(lang, c, &self.speaker_names);
                match lang {
                    crate::i18n::Lang::De => format!("„{title}“: {message}"),
                    crate::i18n::Lang::En => format!("“{title}”: {message}"),
                }
            })
            .collect();
        if self.more > 0 {
            out.push(format!("… {}", lang.and_more(self.more)));
        }
        out
    }
}

impl std::fmt::Display for ImportConflicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the programme breaks the schedule rules in {} session(s)",
            self.sessions
        )?;
        for line in self.lines(crate::i18n::Lang::En) {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// The hard conflicts of congress `congress` as it stands, named for an import's report.
fn import_conflicts(
    conn: &mut DbConnection,
    congress: CongressId,
) -> Result<ImportConflicts, ServiceError> {
    let placements = super::sessions::placements(conn, congress)?;
    let (_, window) = super::sessions::window(conn, congress)?;
    let report = crate::domain::conflicts::hard_conflicts(
        &placements,
        window.as_ref(),
        NAMED_IMPORT_CONFLICTS,
    );
    let titles: HashMap<SessionId, &str> = {
        let named: BTreeSet<SessionId> = report.shown.iter().map(|(s, _)| *s).collect();
        placements
            .iter()
            .filter(|p| named.contains(&p.session))
            .map(|p| (p.session, p.title.as_str()))
            .collect()
    };
    let speaker_ids: Vec<i64> = report
        .shown
        .iter()
        .filter_map(|(_, c)| match c {
            Conflict::SpeakerDoubleBooked { speaker, .. } => Some(speaker.get()),
            _ => None,
        })
        .collect();
    let speaker_names = speakers::table
        .filter(speakers::id.eq_any(&speaker_ids))
        .select((speakers::id, speakers::name))
        .load::<(SpeakerId, String)>(conn)?
        .into_iter()
        .collect();
    Ok(ImportConflicts {
        shown: report
            .shown
            .iter()
            .map(|(s, c)| (titles.get(s).copied().unwrap_or("").to_string(), c.clone()))
            .collect(),
        more: report.more,
        sessions: report.sessions_with(crate::domain::Severity::Error),
        speaker_names,
    })
}

impl std::fmt::Display for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "congress {}{}",
            self.slug,
            if self.congress_created {
                " (created)"
            } else {
                ""
            }
        )?;
        writeln!(f, "rooms created: {}", self.rooms_created)?;
        writeln!(f, "tracks created: {}", self.tracks_created)?;
        writeln!(
            f,
            "speakers: {} created, {} updated",
            self.speakers_created, self.speakers_updated
        )?;
        writeln!(
            f,
            "sessions: {} created, {} updated, {} unchanged",
            self.sessions_created, self.sessions_updated, self.sessions_unchanged
        )?;
        match self.published {
            Some(n) => writeln!(f, "published as version {n}")?,
            None => writeln!(f, "not published")?,
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if !self.conflicts.is_empty() {
            writeln!(f, "conflicts: {}", self.conflicts)?;
        }
        Ok(())
    }
}

/// Why an import was refused.
#[derive(Debug)]
pub enum ImportError {
    /// The file is wrong: nothing was changed.
    Bad(BadFile),
    /// The file is over a limit: refused before it was parsed, nothing was changed.
    TooLarge(OverLimit),
    /// The programme would break the schedule rules (SPEC §2 rule 4) and the import is not a
    /// draft: nothing was changed.
    Conflicts(ImportConflicts),
    Service(ServiceError),
}

impl From<BadFile> for ImportError {
    fn from(e: BadFile) -> Self {
        ImportError::Bad(e)
    }
}

impl From<ReadError> for ImportError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Bad(b) => ImportError::Bad(b),
            ReadError::TooLarge(l) => ImportError::TooLarge(l),
        }
    }
}

impl From<ServiceError> for ImportError {
    fn from(e: ServiceError) -> Self {
        ImportError::Service(e)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Service(ServiceError::Db(e))
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Bad(b) => write!(f, "{b}"),
            ImportError::TooLarge(l) => write!(f, "{l}"),
            ImportError::Conflicts(c) => write!(f, "{c}"),
            ImportError::Service(e) => write!(f, "{e}"),
        }
    }
}

const TRACK_COLOURS: [&str; 6] = [
    "#1d4e89", "#2e7d32", "#8e3b46", "#6a4c93", "#b35c00", "#00695c",
];

fn namespace_guid(congress_guid: &str, what: &str, key: &str) -> String {
    let ns = uuid::Uuid::parse_str(congress_guid).unwrap_or(uuid::Uuid::NAMESPACE_URL);
    uuid::Uuid::new_v5(&ns, format!("{what}:{key}").as_bytes()).to_string()
}

/// Whether a guid is taken by a row of another congress (guids are unique per instance).
fn guid_elsewhere(
    conn: &mut DbConnection,
    table: &str,
    guid: &str,
    congress: CongressId,
) -> QueryResult<bool> {
    let n: i64 = match table {
        "rooms" => rooms::table
            .filter(rooms::guid.eq(guid))
            .filter(rooms::congress_id.ne(congress))
            .count()
            .get_result(conn)?,
        "speakers" => speakers::table
            .filter(speakers::guid.eq(guid))
            .filter(speakers::congress_id.ne(congress))
            .count()
            .get_result(conn)?,
        _ => sessions::table
            .filter(sessions::guid.eq(guid))
            .filter(sessions::congress_id.ne(congress))
            .count()
            .get_result(conn)?,
    };
    Ok(n > 0)
}

/// Imports a parsed schedule into the congress `slug` (created from the file when missing),
/// in one transaction. Publishing is the caller's next step.
///
/// The programme that results is checked with the scheduler's hard rules (room or speaker
/// double-booked, outside the congress days) over all scheduled sessions of the congress:
/// conflicts refuse the import (nothing is written) unless it is a `draft`, which goes through
/// and reports them.
pub fn apply(
    conn: &mut DbConnection,
    slug: &str,
    s: &Schedule,
    actor: Actor,
    draft: bool,
    group: bool,
) -> Result<Imported, ImportError> {
    check(s).map_err(ImportError::Bad)?;
    let parsed_slug =
        Slug::parse(slug).map_err(|e| ImportError::Bad(bad("--congress", e.to_string())))?;
    let declared_tz = s.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let tz: Tz = declared_tz.parse().map_err(|_| {
        ImportError::Bad(bad(
            "conference.time_zone_name",
            format!("{declared_tz:?} is not an IANA time zone"),
        ))
    })?;
    let mut warnings = vec![];
    // A declared zone whose offsets the times do not carry (pretalx's democon: UTC, +01:00):
    // the instants are right, the zone may not be.
    let off_zone: Vec<&EventIn> = s
        .events
        .iter()
        .filter(|e| {
            e.offset_secs.is_some_and(|o| {
                use chrono::Offset;
                e.start.with_timezone(&tz).offset().fix().local_minus_utc() != o
            })
        })
        .collect();
    if let Some(e) = off_zone.first() {
        warnings.push(format!(
            "{} event(s) carry UTC offsets other than those of the declared time zone {} \
             (first: {}); the times are imported as the instants they name, so check the \
             congress's time zone in the settings",
            off_zone.len(),
            tz.name(),
            e.at
        ));
    }
    let local_dates: BTreeSet<NaiveDate> = s
        .events
        .iter()
        .map(|e| e.start.with_timezone(&tz).date_naive())
        .collect();
    let first = s
        .first_day
        .into_iter()
        .chain(local_dates.first().copied())
        .min();
    let last = s
        .last_day
        .into_iter()
        .chain(local_dates.last().copied())
        .max();
    let (Some(first), Some(last)) = (first, last) else {
        return Err(ImportError::Bad(bad(
            "conference",
            "no start and end dates and no events",
        )));
    };
    write_transaction(conn, |conn| -> Result<Imported, ImportError> {
        let now = now_utc();
        let existing: Option<(CongressId, String, NaiveDate, NaiveDate, String)> =
            congresses::table
                .filter(congresses::slug.eq(slug))
                .select((
                    congresses::id,
                    congresses::guid,
                    congresses::first_day,
                    congresses::last_day,
                    congresses::time_zone,
                ))
                .first(conn)
                .optional()?;
        let mut created = false;
        let (congress, cguid) = match existing {
            Some((id, guid, f, l, zone)) => {
                let ctz: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
                for e in &s.events {
                    let d = e.start.with_timezone(&ctz).date_naive();
                    if d < f || d > l {
                        return Err(ImportError::Bad(bad(
                            &e.at,
                            format!(
                                "“{}” is on {d}, outside the congress days {f} – {l}; change the days in the settings first",
                                e.title
                            ),
                        )));
                    }
                }
                (id, guid)
            }
            None => {
                let settings = super::congress::CongressSettings {
                    slug: parsed_slug.clone(),
                    title: s.title.clone(),
                    subtitle: String::new(),
                    description: String::new(),
                    venue_name: String::new(),
                    venue_address: String::new(),
                    time_zone: tz.name().to_string(),
                    first_day: first,
                    last_day: last,
                    languages: "de,en".into(),
                    registration_opens_at: None,
                    registration_closes_at: None,
                    capacity: None,
                    status: CongressStatus::Draft,
                };
                // An import has no organizer to make owner: the CLI's congress is given an
                // owner by an instance admin; the back office imports into an existing one.
                let (id, guid) = super::congress::create_in(conn, &settings, None, actor)?;
                created = true;
                (id, guid)
            }
        };
        let mut out = Imported::new(congress, slug, warnings.clone());
        out.congress_created = created;

        // Rooms: by guid within the congress, then by name.
        let mut room_ids: HashMap<String, RoomId> = HashMap::new();
        let mut used_guids: BTreeSet<String> = BTreeSet::new();
        let existing_rooms: Vec<(RoomId, String, String, i32)> = rooms::table
            .filter(rooms::congress_id.eq(congress))
            .select((rooms::id, rooms::name, rooms::guid, rooms::position))
            .load(conn)?;
        let mut next_position = existing_rooms.iter().map(|r| r.3).max().unwrap_or(-1) + 1;
        for r in &s.rooms {
            // By name first (files repeat room guids: pretalx's democon does), then by guid
            // (a room renamed at the source keeps its guid, and its new name here).
            let by_name = existing_rooms.iter().find(|x| x.1 == r.name);
            let by_guid = r.guid.as_ref().and_then(|g| {
                existing_rooms
                    .iter()
                    .find(|x| &x.2 == g && !s.rooms.iter().any(|o| o.name == x.1))
            });
            if let Some(x) = by_name.or(by_guid) {
                if x.1 != r.name {
                    diesel::update(rooms::table.find(x.0))
                        .set(rooms::name.eq(&r.name))
                        .execute(conn)?;
                }
                room_ids.insert(r.name.clone(), x.0);
                used_guids.insert(x.2.clone());
                continue;
            }
            let mut guid = r.guid.clone().filter(|g| is_uuid(g));
            if let Some(g) = &guid {
                if used_guids.contains(g) || guid_elsewhere(conn, "rooms", g, congress)? {
                    out.warnings.push(format!(
                        "room “{}”: guid {g} is used already; it gets a guid of its own",
                        r.name
                    ));
                    guid = None;
                }
            }
            let guid = guid.unwrap_or_else(|| namespace_guid(&cguid, "room", &r.name));
            used_guids.insert(guid.clone());
            let id: RoomId = diesel::insert_into(rooms::table)
                .values(NewRoom {
                    congress_id: congress,
                    name: &r.name,
                    capacity: r.capacity,
                    accessibility_note: "",
                    position: next_position,
                    guid: &guid,
                })
                .returning(rooms::id)
                .get_result(conn)?;
            next_position += 1;
            room_ids.insert(r.name.clone(), id);
            out.rooms_created += 1;
        }

        // Tracks: by name.
        let mut track_ids: HashMap<String, TrackId> = tracks::table
            .filter(tracks::congress_id.eq(congress))
            .select((tracks::name, tracks::id))
            .load::<(String, TrackId)>(conn)?
            .into_iter()
            .collect();
        let mut wanted: Vec<(String, Option<String>)> = s.tracks.clone();
        for e in &s.events {
            if let Some(t) = &e.track {
                if !wanted.iter().any(|w| &w.0 == t) {
                    wanted.push((t.clone(), None));
                }
            }
        }
        for (name, colour) in wanted {
            if track_ids.contains_key(&name) {
                continue;
            }
            let n = track_ids.len();
            let colour = colour
                .filter(|c| c.len() == 7 && c.starts_with('#'))
                .unwrap_or_else(|| TRACK_COLOURS[n % TRACK_COLOURS.len()].to_string());
            let id: TrackId = diesel::insert_into(tracks::table)
                .values(NewTrack {
                    congress_id: congress,
                    name: &name,
                    colour: &colour,
                    position: n as i32,
                })
                .returning(tracks::id)
                .get_result(conn)?;
            track_ids.insert(name, id);
            out.tracks_created += 1;
        }

        // Speakers: by guid within the congress (the file's or one derived from its key).
        let mut speaker_ids: HashMap<String, i64> = HashMap::new();
        for p in s.events.iter().flat_map(|e| &e.persons) {
            let guid = p
                .guid
                .clone()
                .filter(|g| is_uuid(g))
                .unwrap_or_else(|| namespace_guid(&cguid, "person", &p.key));
            if speaker_ids.contains_key(&guid) {
                continue;
            }
            let found: Option<(i64, String, String)> = speakers::table
                .filter(speakers::congress_id.eq(congress))
                .filter(speakers::guid.eq(&guid))
                .select((speakers::id, speakers::name, speakers::bio))
                .first(conn)
                .optional()?;
            let id = match found {
                Some((id, name, bio)) => {
                    let bio_new = if p.bio.is_empty() {
                        bio.clone()
                    } else {
                        p.bio.clone()
                    };
                    if name != p.name || bio != bio_new {
                        diesel::update(speakers::table.find(id))
                            .set((
                                speakers::name.eq(&p.name),
                                speakers::bio.eq(&bio_new),
                                speakers::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                        out.speakers_updated += 1;
                    }
                    id
                }
                None => {
                    if guid_elsewhere(conn, "speakers", &guid, congress)? {
                        return Err(ImportError::Bad(bad(
                            "persons",
                            format!(
                                "person guid {guid} ({}) belongs to another congress",
                                p.name
                            ),
                        )));
                    }
                    out.speakers_created += 1;
                    diesel::insert_into(speakers::table)
                        .values(NewSpeaker {
                            congress_id: congress,
                            guid: &guid,
                            name: &p.name,
                            organization: "",
                            position: "",
                            bio: &p.bio,
                            email: None,
                            created_at: now,
                            updated_at: now,
                        })
                        .returning(speakers::id)
                        .get_result(conn)?
                }
            };
            speaker_ids.insert(guid, id);
        }

        // Sessions: by guid within the congress.
        let mut by_guid: HashMap<&str, SessionId> = HashMap::new();
        for e in &s.events {
            let room = room_ids.get(&e.room).copied();
            let track = e.track.as_ref().and_then(|t| track_ids.get(t)).copied();
            let language = if e.language.is_empty() {
                "de"
            } else {
                e.language.as_str()
            };
            let found: Option<crate::db::rows::Session> = sessions::table
                .filter(sessions::congress_id.eq(congress))
                .filter(sessions::guid.eq(&e.guid))
                .select(crate::db::rows::Session::as_select())
                .first(conn)
                .optional()?;
            let (start, end) = (e.start.naive_utc(), e.end.naive_utc());
            let (id, existed): (SessionId, Option<bool>) = match found {
                Some(old) => {
                    let same = old.title == e.title
                        && old.subtitle == e.subtitle
                        && old.abstract_ == e.abstract_
                        && old.description == e.description
                        && old.kind == e.kind
                        && old.language == language
                        && old.track_id == track
                        && old.room_id == room
                        && old.starts_at == Some(start)
                        && old.ends_at == Some(end)
                        && old.status == SessionStatus::Scheduled;
                    if !same {
                        diesel::update(sessions::table.find(old.id))
                            .set((
                                sessions::title.eq(&e.title),
                                sessions::subtitle.eq(&e.subtitle),
                                sessions::abstract_.eq(&e.abstract_),
                                sessions::description.eq(&e.description),
                                sessions::kind.eq(e.kind),
                                sessions::language.eq(language),
                                sessions::track_id.eq(track),
                                sessions::room_id.eq(room),
                                sessions::starts_at.eq(Some(start)),
                                sessions::ends_at.eq(Some(end)),
                                sessions::status.eq(SessionStatus::Scheduled),
                                sessions::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                    }
                    (old.id, Some(same))
                }
                None => {
                    if guid_elsewhere(conn, "sessions", &e.guid, congress)? {
                        return Err(ImportError::Bad(bad(
                            &e.at,
                            format!("guid {} belongs to a session of another congress", e.guid),
                        )));
                    }
                    let id: SessionId = diesel::insert_into(sessions::table)
                        .values(NewSession {
                            congress_id: congress,
                            guid: &e.guid,
                            title: &e.title,
                            subtitle: &e.subtitle,
                            abstract_: &e.abstract_,
                            description: &e.description,
                            kind: e.kind,
                            language,
                            track_id: track,
                            room_id: room,
                            slot_group_id: None,
                            starts_at: Some(start),
                            ends_at: Some(end),
                            status: SessionStatus::Scheduled,
                            capacity: None,
                            created_at: now,
                            updated_at: now,
                        })
                        .returning(sessions::id)
                        .get_result(conn)?;
                    out.sessions_created += 1;
                    (id, None)
                }
            };
            // Speakers in the file's order, all with the role "speaker" (the formats have no
            // roles); answers already given stay.
            let wanted: Vec<i64> = e
                .persons
                .iter()
                .filter_map(|p| {
                    let guid = p
                        .guid
                        .clone()
                        .filter(|g| is_uuid(g))
                        .unwrap_or_else(|| namespace_guid(&cguid, "person", &p.key));
                    speaker_ids.get(&guid).copied()
                })
                .fold(vec![], |mut v, id| {
                    if !v.contains(&id) {
                        v.push(id);
                    }
                    v
                });
            let current: Vec<i64> = session_speakers::table
                .filter(session_speakers::session_id.eq(id))
                .order(session_speakers::position)
                .select(session_speakers::speaker_id)
                .load(conn)?;
            let speakers_same = current == wanted;
            if !speakers_same {
                diesel::delete(
                    session_speakers::table
                        .filter(session_speakers::session_id.eq(id))
                        .filter(session_speakers::speaker_id.ne_all(&wanted)),
                )
                .execute(conn)?;
                for (pos, sp) in wanted.iter().enumerate() {
                    if current.contains(sp) {
                        diesel::update(
                            session_speakers::table
                                .filter(session_speakers::session_id.eq(id))
                                .filter(session_speakers::speaker_id.eq(sp)),
                        )
                        .set(session_speakers::position.eq(pos as i32))
                        .execute(conn)?;
                    } else {
                        diesel::insert_into(session_speakers::table)
                            .values((
                                session_speakers::session_id.eq(id),
                                session_speakers::speaker_id.eq(sp),
                                session_speakers::role.eq("speaker"),
                                session_speakers::position.eq(pos as i32),
                            ))
                            .execute(conn)?;
                    }
                }
            }
            let seats_changed = seats_of(conn, id, s.seats.get(&e.guid).copied(), &e.at, &mut out)?;
            match existed {
                Some(true) if speakers_same && !seats_changed => out.sessions_unchanged += 1,
                Some(_) => out.sessions_updated += 1,
                None => {}
            }
            by_guid.insert(e.guid.as_str(), id);
        }
        let (created, grouped, mut notes) =
            super::blocks::from_file(conn, congress, &s.blocks, &by_guid, actor).map_err(|e| {
                match e {
                    ServiceError::Invalid {
                        field: "day",
                        message,
                    } => ImportError::Bad(bad(&message, "not a day of the congress")),
                    other => other.into(),
                }
            })?;
        out.blocks_created += created;
        out.sessions_grouped += grouped;
        out.warnings.append(&mut notes);
        if group {
            for (start, _) in super::blocks::parallel_starts(conn, congress)? {
                let (_, joined, created) = super::blocks::group_parallel_in(
                    conn,
                    congress,
                    start,
                    crate::i18n::Lang::De,
                    actor,
                )?;
                out.blocks_created += usize::from(created);
                out.sessions_grouped += joined;
            }
        }
        out.conflicts = import_conflicts(conn, congress)?;
        if !out.conflicts.is_empty() && !draft {
            return Err(ImportError::Conflicts(std::mem::take(&mut out.conflicts)));
        }
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress),
                kind: "schedule.imported",
                entity: "congress",
                entity_id: Some(congress.get()),
                before: None,
                after: Some(serde_json::json!({
                    "congress_created": out.congress_created,
                    "sessions_created": out.sessions_created,
                    "sessions_updated": out.sessions_updated,
                    "speakers_created": out.speakers_created,
                    "rooms_created": out.rooms_created,
                })),
            },
        )?;
        Ok(out)
    })
}

/// Sets the seats the file gives a session (`conference.meta.seats`); never below the people
/// enrolled (a warning instead). Whether it changed.
fn seats_of(
    conn: &mut DbConnection,
    id: SessionId,
    seats: Option<i32>,
    at: &str,
    out: &mut Imported,
) -> Result<bool, ImportError> {
    let Some(n) = seats else {
        return Ok(false);
    };
    let (capacity, enrolled): (Option<i32>, i32) = sessions::table
        .find(id)
        .select((sessions::capacity, sessions::enrolled_count))
        .first(conn)?;
    if capacity == Some(n) {
        return Ok(false);
    }
    if n < enrolled {
        out.warnings.push(format!(
            "{at}: {n} seats in the file, but {enrolled} people are enrolled; the seats stay at {}",
            capacity.map(|c| c.to_string()).unwrap_or_default()
        ));
        return Ok(false);
    }
    diesel::update(sessions::table.find(id))
        .set(sessions::capacity.eq(Some(n)))
        .execute(conn)?;
    Ok(true)
}

/// How a file is imported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Import only; publish nothing.
    pub draft: bool,
    /// Put workshops that start together into one workshop block each.
    pub group_workshops: bool,
}

/// Reads, imports and (unless `draft`) publishes a file: what `kongress import` and the back
/// office's upload do. A publish happens when something changed or nothing was published yet;
/// with `notify`, it queues speakers' links and change digests like any publish.
///
/// The file is read within `limits` (see [`read`]).
pub fn import_file(
    conn: &mut DbConnection,
    slug: &str,
    text: &str,
    limits: &ImportLimits,
    actor: Actor,
    mode: Mode,
    notify: Option<&super::Ctx>,
) -> Result<Imported, ImportError> {
    let Mode {
        draft,
        group_workshops,
    } = mode;
    let schedule = read(text, limits)?;
    let mut out = apply(conn, slug, &schedule, actor, draft, group_workshops)?;
    if !draft {
        let never = super::publish::latest_snapshot(conn, out.congress_id)?.is_none();
        if never || !super::publish::preview(conn, out.congress_id)?.is_empty() {
            diesel::update(congresses::table.find(out.congress_id))
                .filter(congresses::status.eq(CongressStatus::Draft))
                .set(congresses::status.eq(CongressStatus::Published))
                .execute(conn)?;
            let p = super::publish::publish(conn, out.congress_id, actor, notify)?;
            out.published = Some(p.number);
        } else {
            out.warnings
                .push("nothing changed since the published version; not published again".into());
        }
    }
    Ok(out)
}
