//! The speakers list of the back office (profiles; links are `speaker_links`).

use super::*;
use crate::domain::SpeakerId;

// ---- speakers ----

pub struct Speakers;

#[derive(Deserialize, Default, Clone)]
pub struct SpeakerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "admin/speakers.html")]
struct SpeakersPage {
    ctx: PageCtx,
    chrome: Chrome,
    speakers: Vec<SpeakerRow>,
    form: SpeakerForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Speakers {
    const SEGMENT: &'static str = "speakers";
    type Key = key::Speaker;
    type Form = SpeakerForm;
    type Input = SpeakerInput;
    type Row = SpeakerRow;
    type Extra = ();

    fn parse(f: &SpeakerForm, ctx: &PageCtx) -> Result<SpeakerInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let email = match f.email.trim() {
            "" => None,
            raw => match crate::domain::EmailAddress::parse(raw) {
                Ok(m) => Some(m),
                Err(_) => {
                    e.add("email", a.err_email);
                    None
                }
            },
        };
        let s = SpeakerInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            organization: f.organization.trim().to_string(),
            position: f.position.trim().to_string(),
            bio: f.bio.trim().to_string(),
            email,
        };
        e.into_result(s)
    }

    fn form_of(s: &SpeakerRow) -> SpeakerForm {
        SpeakerForm {
            name: s.name.clone(),
            organization: s.organization.clone(),
            position: s.position.clone(),
            bio: s.bio.clone(),
            email: s.email.clone().unwrap_or_default(),
        }
    }

    fn blank(_: &[SpeakerRow]) -> SpeakerForm {
        SpeakerForm::default()
    }

    fn extra(_: &mut DbConnection, _: CongressId) -> Result<(), ServiceError> {
        Ok(())
    }
    fn list(
        conn: &mut DbConnection,
        congress: CongressId,
    ) -> Result<Vec<SpeakerRow>, ServiceError> {
        Ok(svc::speakers_of(conn, congress)?)
    }
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: SpeakerId,
    ) -> Result<SpeakerRow, ServiceError> {
        svc::speaker(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        i: &SpeakerInput,
        actor: Actor,
    ) -> Result<SpeakerId, ServiceError> {
        svc::add_speaker(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: CongressId,
        id: SpeakerId,
        i: &SpeakerInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_speaker(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: SpeakerId,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_speaker(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        SpeakersPage {
            ctx: v.ctx,
            chrome: v.chrome,
            speakers: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}
