//! The demo congress (SPEC §8): a fictional two-day Smart City congress in Munich, about eight
//! weeks from the day it is loaded, with a plenary day and eleven parallel workshops in each of
//! two slots on day two. It is built through the same service functions as real data and
//! published through the publish service.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Europe::Berlin;
use diesel::prelude::*;

use super::audit::Actor;
use super::demo_content::{FIRST_NAMES, LAST_NAMES, TOWNS, WORKSHOPS};
use super::{new_guid, now_utc, organizers, publish, ServiceError};
use crate::db::rows::{NewCategory, NewRoom, NewSession, NewSpeaker, NewTrack, SessionSpeaker};
use crate::db::schema::{
    categories, congress_days, congresses, rooms, session_speakers, sessions, slot_groups,
    speakers, tracks,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::time::local_to_utc;
use crate::domain::OrganizerId;
use crate::domain::{CategoryId, CongressId, RoomId, SessionId, SlotGroupId, SpeakerId, TrackId};
use crate::domain::{CongressStatus, SessionKind, SessionStatus};

pub const DEMO_SLUG: &str = "smart-city-2027";
pub const DEMO_ORGANIZER: &str = "orga@kongress.example";
const CANCELLED_TALK: &str = "Digitale Beteiligung im ländlichen Raum";

/// What `kongress demo` made.
#[derive(Debug)]
pub struct DemoLoaded {
    pub congress_id: CongressId,
    pub slug: String,
    pub first_day: NaiveDate,
    pub organizer_email: String,
    pub organizer_password: String,
    pub sessions: usize,
    pub registrations: usize,
}

/// The first of two consecutive weekdays at least eight weeks after `today`.
pub fn demo_first_day(today: NaiveDate) -> NaiveDate {
    let mut d = today + Days::new(56);
    while matches!(d.weekday(), Weekday::Fri | Weekday::Sat | Weekday::Sun) {
        d = d + Days::new(1);
    }
    d
}

struct Person {
    name: &'static str,
    org: &'static str,
    position: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        name: "Dr. Helene Brandstätter",
        org: "Landeshauptstadt Isarstadt",
        position: "Oberbürgermeisterin",
    },
    Person {
        name: "Prof. Dr. Jonas Weidinger",
        org: "Hochschule Voralpen",
        position: "Professur für Stadtinformatik",
    },
    Person {
        name: "Amira Haddad",
        org: "Open Urban Lab e. V.",
        position: "Geschäftsführerin",
    },
    Person {
        name: "Tobias Kerschbaumer",
        org: "Stadt Lindenau",
        position: "Chief Digital Officer",
    },
    Person {
        name: "Marlene Ostrowski",
        org: "Kreis Seewinkel",
        position: "Leiterin Digitalisierung",
    },
    Person {
        name: "Emre Yıldız",
        org: "Stadtwerke Südtal",
        position: "Leiter Datenplattform",
    },
    Person {
        name: "Sophie Lindqvist",
        org: "Stadt Nordhafen",
        position: "Smart-City-Koordinatorin",
    },
    Person {
        name: "Benedikt Auer",
        org: "Bundesnetzwerk Kommunal Digital",
        position: "Referent Beteiligung",
    },
    Person {
        name: "Dr. Katharina Pfeiffer",
        org: "Institut für Klimaanpassung",
        position: "Wissenschaftliche Leiterin",
    },
    Person {
        name: "Lukas Brenninger",
        org: "Gemeinde Almtal",
        position: "Erster Bürgermeister",
    },
    Person {
        name: "Fatma Demir",
        org: "Stadt Rheinfeld",
        position: "Datenschutzbeauftragte",
    },
    Person {
        name: "Moritz Engelhardt",
        org: "Verkehrsverbund Mittelland",
        position: "Leiter Mobilitätsplanung",
    },
    Person {
        name: "Ines Vogelsang",
        org: "Stadt Lindenau",
        position: "Bürgerbeteiligung",
    },
    Person {
        name: "Paul Nguyen",
        org: "Civic Tech Kollektiv",
        position: "Softwareentwickler",
    },
    Person {
        name: "Dr. Aylin Kaya",
        org: "Universität Donaueck",
        position: "Forschungsgruppe KI & Verwaltung",
    },
    Person {
        name: "Friederike Hollmann",
        org: "Stadt Weißenbach",
        position: "Amtsleiterin Stadtplanung",
    },
    Person {
        name: "Stefan Obermaier",
        org: "Landkreis Hügelland",
        position: "Klimaschutzmanager",
    },
    Person {
        name: "Nora Castell",
        org: "Stadtwerke Südtal",
        position: "Energiewirtschaft",
    },
    Person {
        name: "Raphael Zimmermann",
        org: "Kommunale Beschaffungsstelle Nord",
        position: "Vergabeexperte",
    },
    Person {
        name: "Jana Wróblewska",
        org: "Stadt Nordhafen",
        position: "IT-Architektin",
    },
    Person {
        name: "Henrik Sauer",
        org: "LoRa-Netz Bergland",
        position: "Netzbetrieb",
    },
    Person {
        name: "Miriam Adeyemi",
        org: "Verein Barrierefrei Digital",
        position: "Beraterin",
    },
    Person {
        name: "Clara Huber",
        org: "Jugendrat Isarstadt",
        position: "Sprecherin",
    },
    Person {
        name: "Daniel Roth",
        org: "Open-Source-Büro Kommunal",
        position: "Leiter",
    },
    Person {
        name: "Elif Aksoy",
        org: "Stadt Rheinfeld",
        position: "Leiterin Tiefbau",
    },
    Person {
        name: "Valentin Gruber",
        org: "Evaluationsbüro Wirkung+",
        position: "Evaluator",
    },
    Person {
        name: "Dr. Theresa Mahler",
        org: "Landesamt für Bevölkerungsschutz",
        position: "Referatsleiterin",
    },
    Person {
        name: "Konstantin Berger",
        org: "Kreis Seewinkel",
        position: "Personalentwicklung",
    },
    Person {
        name: "Leonie Schwarz",
        org: "Datenkooperative Süd eG",
        position: "Vorständin",
    },
    Person {
        name: "Georg Lindemann",
        org: "Stadt Weißenbach",
        position: "Kämmerer",
    },
    Person {
        name: "Yara Benali",
        org: "Netzwerk Frauen in der Stadtentwicklung",
        position: "Moderatorin",
    },
];

const TRACKS: [(&str, &str); 6] = [
    ("Daten & Plattformen", "#1f6f8b"),
    ("Mobilität", "#a3470f"),
    ("Beteiligung & Teilhabe", "#6a3d9a"),
    ("Klima & Energie", "#2e7d32"),
    ("Verwaltung digital", "#b0003a"),
    ("Plenum", "#4a4a4a"),
];

/// Workshop rooms, named after rivers of the region, with their seats (25–40).
const WORKSHOP_ROOMS: [(&str, i32); 11] = [
    ("Raum Isar", 40),
    ("Raum Würm", 35),
    ("Raum Amper", 30),
    ("Raum Loisach", 25),
    ("Raum Ammer", 30),
    ("Raum Paar", 25),
    ("Raum Glonn", 28),
    ("Raum Sempt", 32),
    ("Raum Mangfall", 36),
    ("Raum Würmtal", 25),
    ("Raum Attel", 30),
];

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid demo time")
}

/// Whether any congress exists (the demo loads only into an empty database).
pub fn any_congress(conn: &mut DbConnection) -> QueryResult<bool> {
    let n: i64 = congresses::table.count().get_result(conn)?;
    Ok(n > 0)
}

/// Loads the demo congress for `today`, creates its organizer (owner) with a fresh random
/// password, and publishes its programme.
pub fn load(
    conn: &mut DbConnection,
    today: NaiveDate,
    registrations: Option<&super::Ctx>,
) -> Result<DemoLoaded, ServiceError> {
    let first = demo_first_day(today);
    let second = first + Days::new(1);
    let password = random_password();
    let organizer_id =
        match organizers::create_organizer(conn, DEMO_ORGANIZER, &password, false, Actor::Cli) {
            Ok(id) => Some(id),
            // A database that had the demo once and lost its congress keeps the organizer.
            Err(ServiceError::Conflict(_)) => None,
            Err(e) => return Err(e),
        };
    // The demo organizer owns the congress, also when they were there before.
    let owner = match organizer_id {
        Some(id) => Some(id),
        None => organizers::id_by_email(conn, DEMO_ORGANIZER)?,
    };
    let (congress_id, session_count) = write_transaction(conn, |conn| {
        insert_programme(conn, first, second, today, owner)
    })?;
    // The second block takes ranked choices until a week before the congress, so the
    // allocation can be tried at once (the registrations below rank its workshops).
    let tz = crate::domain::time::parse_time_zone("Europe/Berlin")
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let deadline = crate::domain::time::local_to_utc(tz, first - Days::new(7), hm(12, 0))
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    if let Some(second_block) = super::blocks::names(conn, congress_id)?.get(1) {
        super::allocation::set_mode(
            conn,
            congress_id,
            second_block.0,
            "ranked",
            3,
            Some(deadline.naive_utc()),
            Actor::Cli,
        )?;
    }
    // With a mail context the speakers get their links (so a later publish sends digests, as
    // on a real congress); the fictional people's emails are removed below.
    publish::publish(conn, congress_id, Actor::Cli, registrations)?;
    let registered = match registrations {
        Some(ctx) => add_registrations(conn, congress_id, ctx)?,
        None => 0,
    };
    Ok(DemoLoaded {
        registrations: registered,
        congress_id,
        slug: DEMO_SLUG.to_string(),
        first_day: first,
        organizer_email: DEMO_ORGANIZER.to_string(),
        organizer_password: if organizer_id.is_some() {
            password
        } else {
            String::new()
        },
        sessions: session_count,
    })
}

fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn insert_programme(
    conn: &mut DbConnection,
    first: NaiveDate,
    second: NaiveDate,
    today: NaiveDate,
    owner: Option<OrganizerId>,
) -> Result<(CongressId, usize), ServiceError> {
    let now = now_utc();
    let at = |day: NaiveDate, t: NaiveTime| {
        local_to_utc(Berlin, day, t)
            .map(|i| i.naive_utc())
            .map_err(|e| ServiceError::Internal(format!("demo time: {e}")))
    };
    let opens = at(today - Days::new(1), hm(9, 0))?;
    let closes = at(first - Days::new(3), hm(23, 59))?;
    let settings = super::congress::CongressSettings {
        slug: crate::domain::Slug::parse(DEMO_SLUG)
            .map_err(|e| ServiceError::Internal(format!("demo slug: {e}")))?,
        title: "Smart City Kongress 2027".into(),
        subtitle: "Daten, Dialog, Daseinsvorsorge – der nationale Fachkongress der Kommunen".into(),
        description: "Zwei Tage für alle, die Städte, Gemeinden und Landkreise digital und \
            nachhaltig gestalten: ein Plenartag mit Keynotes, Podium und einer Fuck-up Night, \
            dann ein Werkstatttag mit elf parallelen Werkstätten in zwei Blöcken.\n\n\
            Der Kongress richtet sich an Mitgliedskommunen des Netzwerks ebenso wie an \
            Kommunen, die noch am Anfang stehen."
            .into(),
        venue_name: "Kongresszentrum Isarauen".into(),
        venue_address: "Auenstraße 12, 80469 München".into(),
        time_zone: "Europe/Berlin".into(),
        first_day: first,
        last_day: second,
        languages: "de,en".into(),
        registration_opens_at: Some(opens),
        registration_closes_at: Some(closes),
        capacity: Some(260),
        status: CongressStatus::Draft,
    };
    let (congress_id, _) = super::congress::create_in(conn, &settings, owner, Actor::Cli)?;
    for (day, label, label_en) in [
        (first, "Tag 1: Plenum", "Day 1: Plenary"),
        (second, "Tag 2: Werkstätten", "Day 2: Workshops"),
    ] {
        diesel::update(
            congress_days::table
                .filter(congress_days::congress_id.eq(congress_id))
                .filter(congress_days::day.eq(day)),
        )
        .set((
            congress_days::label.eq(label),
            congress_days::label_en.eq(label_en),
        ))
        .execute(conn)?;
    }

    // Rooms: three plenary spaces, then the eleven workshop rooms.
    let mut room_specs: Vec<(&str, i32, &str)> = vec![
        (
            "Großer Saal",
            400,
            "Stufenlos erreichbar, Induktionsschleife, Plätze für Rollstühle in Reihe 1",
        ),
        ("Forum", 120, "Stufenlos erreichbar"),
        (
            "Foyer",
            300,
            "Stufenlos erreichbar, Stehtische und Sitzgelegenheiten",
        ),
    ];
    room_specs.extend(
        WORKSHOP_ROOMS
            .iter()
            .map(|(n, c)| (*n, *c, "Aufzug vorhanden")),
    );
    let mut room_ids = Vec::new();
    for (i, (name, cap, note)) in room_specs.iter().enumerate() {
        let g = new_guid();
        let id: RoomId = diesel::insert_into(rooms::table)
            .values(NewRoom {
                congress_id,
                name,
                capacity: Some(*cap),
                accessibility_note: note,
                position: i as i32,
                guid: &g,
            })
            .returning(rooms::id)
            .get_result(conn)?;
        room_ids.push(id);
    }
    let (saal, forum, foyer) = (room_ids[0], room_ids[1], room_ids[2]);

    let mut track_ids = Vec::new();
    for (i, (name, colour)) in TRACKS.iter().enumerate() {
        let id: TrackId = diesel::insert_into(tracks::table)
            .values(NewTrack {
                congress_id,
                name,
                colour,
                position: i as i32,
            })
            .returning(tracks::id)
            .get_result(conn)?;
        track_ids.push(id);
    }
    let plenum = track_ids[5];

    for (i, (name, quota, approval, priority)) in [
        ("Modellprojekt Smart Cities", Some(90), false, 2),
        ("Kommune (Mitglied im Netzwerk)", None, false, 1),
        ("Kommune (kein Mitglied)", Some(30), false, 0),
        ("Presse", Some(15), true, 0),
    ]
    .into_iter()
    .enumerate()
    {
        diesel::insert_into(categories::table)
            .values(NewCategory {
                congress_id,
                name,
                quota,
                needs_approval: approval,
                priority,
                position: i as i32,
            })
            .execute(conn)?;
    }

    // The blocks are made as an organizer makes them in the back office.
    let mut block_ids = Vec::new();
    for name in ["Werkstätten, Block 1", "Werkstätten, Block 2"] {
        let input = super::blocks::BlockInput {
            name: name.to_string(),
            day: Some(second),
        };
        block_ids.push(super::blocks::add_in(
            conn,
            congress_id,
            &input,
            Actor::Cli,
        )?);
    }

    let mut speaker_ids = Vec::new();
    for (i, p) in PEOPLE.iter().enumerate() {
        let g = new_guid();
        let email =
            crate::domain::EmailAddress::parse(&format!("referent{:02}@kongress.example", i + 1))
                .map_err(|e| ServiceError::Internal(format!("demo email: {e}")))?;
        let bio = format!(
            "{} ist {} bei {} und beschäftigt sich seit vielen Jahren mit der digitalen \
             Transformation von Kommunen.",
            p.name, p.position, p.org
        );
        let id: SpeakerId = diesel::insert_into(speakers::table)
            .values(NewSpeaker {
                congress_id,
                guid: &g,
                name: p.name,
                organization: p.org,
                position: p.position,
                bio: &bio,
                email: Some(&email),
                created_at: now,
                updated_at: now,
            })
            .returning(speakers::id)
            .get_result(conn)?;
        speaker_ids.push(id);
    }

    struct Plan<'a> {
        title: &'a str,
        abstract_: String,
        kind: SessionKind,
        day: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
        room: RoomId,
        track: Option<TrackId>,
        capacity: Option<i32>,
        block: Option<SlotGroupId>,
        people: Vec<(usize, &'a str)>,
    }
    let plenary = |title: &'static str,
                   kind: SessionKind,
                   s: NaiveTime,
                   e: NaiveTime,
                   room: RoomId,
                   people: Vec<(usize, &'static str)>,
                   text: &str| Plan {
        title,
        abstract_: text.to_string(),
        kind,
        day: first,
        start: s,
        end: e,
        room,
        track: Some(plenum),
        capacity: None,
        block: None,
        people,
    };
    let mut plans = vec![
        plenary("Ankommen und Kaffee", SessionKind::Break, hm(8, 30), hm(9, 30), foyer, vec![], "Registrierung, Namensschilder und erster Kaffee im Foyer."),
        plenary("Eröffnung und Grußworte", SessionKind::Other, hm(9, 30), hm(10, 0), saal, vec![(0, "speaker"), (30, "moderator")], "Die Gastgeberstadt begrüßt die Kommunen aus dem ganzen Land."),
        plenary("Keynote: Die Stadt als Plattform – und wem sie gehört", SessionKind::Keynote, hm(10, 0), hm(10, 45), saal, vec![(1, "speaker")], "Wer betreibt die Datenräume der Städte, und nach welchen Regeln? Eine Bestandsaufnahme nach zehn Jahren Smart-City-Förderung."),
        plenary("Kaffeepause", SessionKind::Break, hm(10, 45), hm(11, 15), foyer, vec![], "Zeit für Gespräche."),
        plenary("Keynote: Daseinsvorsorge 2040", SessionKind::Keynote, hm(11, 15), hm(12, 0), saal, vec![(2, "speaker")], "Wie Kommunen Klima, Mobilität und Teilhabe zusammendenken können – mit Beispielen aus kleinen und großen Städten."),
        plenary("Mittagspause", SessionKind::Break, hm(12, 0), hm(13, 15), foyer, vec![], "Mittagessen im Foyer, vegetarisch und vegan."),
        plenary("Podium: Vom Modellprojekt in die Fläche", SessionKind::Panel, hm(13, 15), hm(14, 30), saal, vec![(30, "moderator"), (3, "panelist"), (4, "panelist"), (9, "panelist"), (28, "panelist")], "Was bleibt, wenn die Förderung endet? Vier Kommunen über Verstetigung, Personal und Geld."),
        plenary("Kaffeepause", SessionKind::Break, hm(14, 30), hm(15, 0), foyer, vec![], "Zeit für Gespräche."),
    ];
    // Two short parallel talk blocks in the afternoon of day 1.
    let talks: [(&str, RoomId, usize, usize); 4] = [
        (
            "Wärmeplanung mit offenen Daten: ein Werkstattbericht",
            saal,
            17,
            3,
        ),
        (
            "Was Bürgerinnen und Bürger wirklich von Apps erwarten",
            forum,
            12,
            2,
        ),
        (
            "Sensoren, die keiner wartet: Lehren aus fünf Jahren IoT",
            saal,
            20,
            0,
        ),
        (CANCELLED_TALK, forum, 7, 2),
    ];
    for (i, (title, room, speaker, track)) in talks.into_iter().enumerate() {
        let (s, e) = if i < 2 {
            (hm(15, 0), hm(15, 45))
        } else {
            (hm(15, 50), hm(16, 35))
        };
        plans.push(Plan {
            title,
            abstract_: format!("Ein Praxisbericht zum Thema „{title}“ mit Zeit für Fragen."),
            kind: SessionKind::Talk,
            day: first,
            start: s,
            end: e,
            room,
            track: Some(track_ids[track]),
            capacity: None,
            block: None,
            people: vec![(speaker, "speaker")],
        });
    }
    plans.push(plenary(
        "Tagesabschluss",
        SessionKind::Other,
        hm(16, 45),
        hm(17, 15),
        saal,
        vec![(30, "moderator")],
        "Rückblick auf den ersten Tag und Ausblick auf die Werkstätten.",
    ));
    plans.push(plenary("Fuck-up Night: Was schiefging", SessionKind::Social, hm(19, 0), hm(21, 30), foyer, vec![(30, "moderator"), (13, "speaker"), (19, "speaker"), (24, "speaker")], "Drei Kommunen erzählen offen von Projekten, die gescheitert sind – und was sie daraus gelernt haben. Mit Buffet und Getränken."));

    // Day 2: welcome, two blocks of eleven parallel workshops, closing plenary.
    plans.push(Plan {
        title: "Begrüßung zum Werkstatttag",
        abstract_: "Kurze Einführung in die Werkstätten und die Räume.".into(),
        kind: SessionKind::Other,
        day: second,
        start: hm(9, 0),
        end: hm(9, 20),
        room: saal,
        track: Some(plenum),
        capacity: None,
        block: None,
        people: vec![(30, "moderator")],
    });
    let block_times = [(hm(9, 30), hm(11, 30)), (hm(12, 45), hm(14, 45))];
    // Speakers 3..=29 lead workshops: a different lead (and co-lead) per workshop in a block.
    for (b, workshops) in WORKSHOPS.iter().enumerate() {
        for (w, (title, track)) in workshops.iter().enumerate() {
            let lead = 3 + (w + b * 11) % 27;
            let co = 3 + (w + b * 11 + 13) % 27;
            let mut people = vec![(lead, "speaker")];
            if w % 3 == 0 && co != lead {
                people.push((co, "moderator"));
            }
            let (s, e) = block_times[b];
            plans.push(Plan {
                title,
                abstract_: format!(
                    "In dieser Werkstatt arbeiten wir in kleiner Runde am Thema „{title}“: \
                     kurze Impulse, dann Arbeit an mitgebrachten Fällen aus den Kommunen. \
                     Die Teilnahme setzt eine Anmeldung zur Werkstatt voraus."
                ),
                kind: SessionKind::Workshop,
                day: second,
                start: s,
                end: e,
                room: room_ids[3 + w],
                track: Some(track_ids[*track]),
                capacity: Some(WORKSHOP_ROOMS[w].1),
                block: Some(block_ids[b]),
                people,
            });
        }
    }
    plans.push(Plan {
        title: "Mittagspause",
        abstract_: "Mittagessen im Foyer.".into(),
        kind: SessionKind::Break,
        day: second,
        start: hm(11, 30),
        end: hm(12, 45),
        room: foyer,
        track: Some(plenum),
        capacity: None,
        block: None,
        people: vec![],
    });
    plans.push(Plan {
        title: "Abschlussplenum: Ergebnisse der Werkstätten",
        abstract_: "Die Werkstätten stellen ihre Ergebnisse vor; Verabschiedung.".into(),
        kind: SessionKind::Other,
        day: second,
        start: hm(15, 0),
        end: hm(16, 0),
        room: saal,
        track: Some(plenum),
        capacity: None,
        block: None,
        people: vec![(0, "speaker"), (30, "moderator")],
    });

    let count = plans.len();
    for p in plans {
        let g = new_guid();
        let id: SessionId = diesel::insert_into(sessions::table)
            .values(NewSession {
                congress_id,
                guid: &g,
                title: p.title,
                subtitle: "",
                abstract_: &p.abstract_,
                description: "",
                kind: p.kind,
                language: "de",
                track_id: p.track,
                room_id: Some(p.room),
                slot_group_id: None,
                starts_at: Some(at(p.day, p.start)?),
                ends_at: Some(at(p.day, p.end)?),
                // One talk is shown as cancelled, as happens in every real programme.
                status: if p.title == CANCELLED_TALK {
                    SessionStatus::Cancelled
                } else {
                    SessionStatus::Scheduled
                },
                capacity: p.capacity,
                created_at: now,
                updated_at: now,
            })
            .returning(sessions::id)
            .get_result(conn)?;
        for (pos, (person, role)) in p.people.iter().enumerate() {
            diesel::insert_into(session_speakers::table)
                .values(SessionSpeaker {
                    session_id: id,
                    speaker_id: speaker_ids[*person],
                    role: role.to_string(),
                    position: pos as i32,
                    confirmation: "confirmed".into(),
                })
                .execute(conn)?;
        }
        if p.block.is_some() {
            super::blocks::set_block_in(conn, congress_id, id, p.block)?;
        }
    }
    Ok((congress_id, count))
}

/// About 150 fictional registrations in mixed states: confirmed with workshop seats (some
/// workshops full, with waitlists), pending, awaiting approval (press), waitlisted for the
/// congress (a category over its quota) and cancelled. Their emails are not sent: the people
/// are fictional, so the demo's outbox entries are removed again.
fn add_registrations(
    conn: &mut DbConnection,
    congress_id: CongressId,
    ctx: &super::Ctx,
) -> Result<usize, ServiceError> {
    use super::registration::{self as reg, RegistrationInput};
    use crate::db::schema::{outbox, registrations};
    let congress: crate::db::rows::Congress = congresses::table
        .find(congress_id)
        .select(crate::db::rows::Congress::as_select())
        .first(conn)?;
    let cats: Vec<(CategoryId, String)> = categories::table
        .filter(categories::congress_id.eq(congress_id))
        .order(categories::position)
        .select((categories::id, categories::name))
        .load(conn)?;
    let groups: Vec<(SlotGroupId, String)> = slot_groups::table
        .filter(slot_groups::congress_id.eq(congress_id))
        .order(slot_groups::id)
        .select((slot_groups::id, slot_groups::allocation_mode))
        .load(conn)?;
    let mut workshops: Vec<Vec<SessionId>> = vec![];
    for (g, _) in &groups {
        workshops.push(
            sessions::table
                .filter(sessions::slot_group_id.eq(g))
                .order(sessions::id)
                .select(sessions::id)
                .load(conn)?,
        );
    }
    let now = now_utc();
    let mut count = 0;
    for i in 0..150usize {
        let category = match i % 15 {
            0..=5 => cats[0].0,
            6..=9 => cats[1].0,
            10..=13 => cats[2].0,
            _ => cats[3].0,
        };
        let days = if i % 6 == 0 {
            vec![congress.first_day]
        } else {
            vec![congress.first_day, congress.last_day]
        };
        // Workshops only on a day the person attends (both blocks are on the last day), and
        // not by everybody.
        let choosing = days.contains(&congress.last_day) && i % 7 != 3;
        // A fixed pseudo-random number in [0, 1), to the fourth power: the first workshops are favourites,
        // so they fill up and get waitlists (or, ranked, are the most wanted).
        let favourite = |g: &SlotGroupId, n: usize| {
            let u = ((i as u64 * 2_654_435_761 + g.get() as u64 * 97) % 1000) as f64 / 1000.0;
            (((u * u * u * u) * n as f64) as usize).min(n - 1)
        };
        let mut picks: Vec<(SlotGroupId, SessionId)> = vec![];
        let mut rankings: Vec<(SlotGroupId, Vec<SessionId>)> = vec![];
        for ((g, mode), ws) in groups.iter().zip(&workshops) {
            if ws.len() < 3 || !choosing {
                continue;
            }
            let k = favourite(g, ws.len());
            if mode == "ranked" {
                let second = (k + 1 + i % 3) % ws.len();
                let mut third = (second + 2 + i % 5) % ws.len();
                while third == k || third == second {
                    third = (third + 1) % ws.len();
                }
                rankings.push((*g, vec![ws[k], ws[second], ws[third]]));
            } else {
                picks.push((*g, ws[k]));
            }
        }
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i * 7) % LAST_NAMES.len()];
        let input = RegistrationInput {
            category_id: category,
            first_name: first.to_string(),
            last_name: last.to_string(),
            email: crate::domain::EmailAddress::parse(&format!(
                "teilnahme{:03}@kongress.example",
                i + 1
            ))
            .map_err(|e| ServiceError::Internal(format!("demo email: {e}")))?,
            organization: TOWNS[(i * 5) % TOWNS.len()].to_string(),
            position: [
                "Referentin",
                "Sachgebietsleitung",
                "CDO",
                "Projektleitung",
                "Bürgermeister",
            ][i % 5]
                .to_string(),
            days,
            dietary: if i % 6 == 0 {
                "vegetarisch".into()
            } else {
                String::new()
            },
            accessibility: if i % 23 == 0 {
                "Rollstuhlplatz".into()
            } else {
                String::new()
            },
            language: if i % 9 == 0 {
                crate::i18n::Lang::En
            } else {
                crate::i18n::Lang::De
            },
            answers: vec![],
            consent_public: i % 3 != 0,
            picks,
            rankings,
        };
        let id = match reg::register(conn, &congress, &input, ctx, now)? {
            reg::Registered::New(id) | reg::Registered::LinkSentAgain(id) => id,
        };
        count += 1;
        if i % 10 == 9 {
            continue; // still pending: the link was not opened yet
        }
        crate::db::write_transaction(conn, |conn| {
            let r: crate::db::rows::Registration = registrations::table
                .find(id)
                .select(crate::db::rows::Registration::as_select())
                .first(conn)?;
            reg::confirm_pending(conn, ctx, &r, now).map(|_| ())
        })?;
        if i % 31 == 5 {
            reg::cancel(conn, ctx, id, None, now)?;
        }
    }
    diesel::delete(outbox::table.filter(outbox::congress_id.eq(congress_id))).execute(conn)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_days_are_weekdays_about_eight_weeks_ahead() {
        for offset in 0..14 {
            let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap() + Days::new(offset);
            let first = demo_first_day(today);
            let second = first + Days::new(1);
            assert!((56..=59).contains(&(first - today).num_days()));
            assert!(!crate::i18n::is_weekend(first) && !crate::i18n::is_weekend(second));
        }
    }

    #[test]
    fn each_block_has_distinct_leads() {
        for b in 0..2 {
            let mut seen = std::collections::HashSet::new();
            for w in 0..11 {
                assert!(seen.insert(3 + (w + b * 11) % 27));
                let co = 3 + (w + b * 11 + 13) % 27;
                if w % 3 == 0 {
                    assert!(seen.insert(co), "co-lead {co} double-booked in block {b}");
                }
            }
        }
    }
}
