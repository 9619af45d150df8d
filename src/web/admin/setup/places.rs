//! The venue's set-up lists: rooms and tracks.

use super::*;
use crate::domain::{RoomId, TrackId};

// ---- rooms ----

pub struct Rooms;

#[derive(Deserialize, Default, Clone)]
pub struct RoomForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    accessibility_note: String,
    #[serde(default)]
    position: String,
}

#[derive(Template)]
#[template(path = "admin/rooms.html")]
struct RoomsPage {
    ctx: PageCtx,
    chrome: Chrome,
    rooms: Vec<RoomRow>,
    form: RoomForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Rooms {
    const SEGMENT: &'static str = "rooms";
    type Key = key::Room;
    type Form = RoomForm;
    type Input = RoomInput;
    type Row = RoomRow;
    type Extra = ();

    fn parse(f: &RoomForm, ctx: &PageCtx) -> Result<RoomInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let r = RoomInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            capacity: forms::optional_count(&mut e, "capacity", &f.capacity, a.err_number),
            accessibility_note: f.accessibility_note.trim().to_string(),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(r)
    }

    fn form_of(r: &RoomRow) -> RoomForm {
        RoomForm {
            name: r.name.clone(),
            capacity: r.capacity.map(|c| c.to_string()).unwrap_or_default(),
            accessibility_note: r.accessibility_note.clone(),
            position: r.position.to_string(),
        }
    }

    fn blank(rows: &[RoomRow]) -> RoomForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        RoomForm {
            position: next.to_string(),
            ..Default::default()
        }
    }

    fn extra(_: &mut DbConnection, _: CongressId) -> Result<(), ServiceError> {
        Ok(())
    }
    fn list(conn: &mut DbConnection, congress: CongressId) -> Result<Vec<RoomRow>, ServiceError> {
        Ok(svc::rooms_of(conn, congress)?)
    }
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: RoomId,
    ) -> Result<RoomRow, ServiceError> {
        svc::room(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        i: &RoomInput,
        actor: Actor,
    ) -> Result<RoomId, ServiceError> {
        svc::add_room(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        mail: &Ctx,
        congress: CongressId,
        id: RoomId,
        i: &RoomInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_room(conn, mail, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: RoomId,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_room(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        RoomsPage {
            ctx: v.ctx,
            chrome: v.chrome,
            rooms: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}

// ---- tracks ----

pub struct Tracks;

#[derive(Deserialize, Default, Clone)]
pub struct TrackForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    position: String,
}

#[derive(Template)]
#[template(path = "admin/tracks.html")]
struct TracksPage {
    ctx: PageCtx,
    chrome: Chrome,
    tracks: Vec<TrackRow>,
    form: TrackForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Tracks {
    const SEGMENT: &'static str = "tracks";
    type Key = key::Track;
    type Form = TrackForm;
    type Input = TrackInput;
    type Row = TrackRow;
    type Extra = ();

    fn parse(f: &TrackForm, ctx: &PageCtx) -> Result<TrackInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let t = TrackInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            colour: forms::colour(&mut e, "colour", &f.colour, a.err_colour),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(t)
    }

    fn form_of(t: &TrackRow) -> TrackForm {
        TrackForm {
            name: t.name.clone(),
            colour: t.colour.clone(),
            position: t.position.to_string(),
        }
    }

    fn blank(rows: &[TrackRow]) -> TrackForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        TrackForm {
            colour: "#2f5d8a".into(),
            position: next.to_string(),
            ..Default::default()
        }
    }

    fn extra(_: &mut DbConnection, _: CongressId) -> Result<(), ServiceError> {
        Ok(())
    }
    fn list(conn: &mut DbConnection, congress: CongressId) -> Result<Vec<TrackRow>, ServiceError> {
        Ok(svc::tracks_of(conn, congress)?)
    }
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: TrackId,
    ) -> Result<TrackRow, ServiceError> {
        svc::track(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        i: &TrackInput,
        actor: Actor,
    ) -> Result<TrackId, ServiceError> {
        svc::add_track(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: CongressId,
        id: TrackId,
        i: &TrackInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_track(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: TrackId,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_track(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        TracksPage {
            ctx: v.ctx,
            chrome: v.chrome,
            tracks: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}
