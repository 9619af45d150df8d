//! A file attached to an email (an `.ics`, a QR code), and how the outbox stores attachments:
//! ready files, or recipes the mail worker renders when it sends the message.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;

/// A file attached to an email (an `.ics`, a QR code).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    /// The bytes, base64-encoded (the outbox column is text on both backends).
    pub base64: String,
}

impl Attachment {
    pub fn new(filename: &str, content_type: &str, bytes: &[u8]) -> Attachment {
        Attachment {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .unwrap_or_default()
    }
}

/// How to make a message's attachments, stored instead of their bytes where they are made from
/// the database (see [`Stored`]): small to store, and rendered by the mail worker instead of
/// inside the transaction that queues the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipe {
    /// The check-in QR code and the agenda (`.ics`) of the registration with this id, the
    /// attachments of a mail that gives a place (`MailKind::has_attachments`).
    PlaceOfRegistration(i64),
}

/// One entry of an outbox row's `attachments` column (a JSON array): a ready file, as rows
/// queued before recipes existed hold them, or a recipe such as `{"place_of_registration": 7}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stored {
    Ready(Attachment),
    Recipe(Recipe),
}

/// Reads an outbox row's `attachments` column. An unreadable column is an error, not "no
/// attachments": a place confirmation must not go out without its check-in code.
pub fn read_column(json: &str) -> Result<Vec<Stored>, String> {
    serde_json::from_str(json).map_err(|e| format!("unreadable attachments column: {e}"))
}

/// Writes an outbox row's `attachments` column.
pub fn write_column(stored: &[Stored]) -> String {
    serde_json::to_string(stored).unwrap_or_else(|_| "[]".into())
}

/// Makes the files a [`Recipe`] describes, when the mail worker sends the message. The services
/// implement it (they know registrations, programmes and QR codes; the worker does not) and
/// `startup` hands it to the [`Mailer`](super::Mailer).
pub trait AttachmentRenderer: Send + Sync {
    /// The files of one recipe. The error is stored with the attempt and logged, so it must
    /// name no personal data (ids are fine, names and addresses are not).
    fn render(&self, conn: &mut DbConnection, recipe: &Recipe) -> Result<Vec<Attachment>, String>;
}

/// The files of a message: ready ones as they are, recipes rendered, in the stored order.
pub fn resolve(
    conn: &mut DbConnection,
    stored: Vec<Stored>,
    renderer: &dyn AttachmentRenderer,
) -> Result<Vec<Attachment>, String> {
    let mut out = vec![];
    for entry in stored {
        match entry {
            Stored::Ready(a) => out.push(a),
            Stored::Recipe(recipe) => out.extend(renderer.render(conn, &recipe)?),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_round_trip() {
        let a = Attachment::new("a.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n");
        assert_eq!(a.bytes(), b"BEGIN:VCALENDAR\r\n");
    }

    #[test]
    fn the_column_holds_recipes_and_ready_files() {
        let recipe = [Stored::Recipe(Recipe::PlaceOfRegistration(123))];
        assert_eq!(write_column(&recipe), r#"[{"place_of_registration":123}]"#);
        assert_eq!(read_column(&write_column(&recipe)).unwrap(), recipe);
        // A row queued before recipes existed: ready base64 files.
        let old = r#"[{"filename":"checkin-qr.png","content_type":"image/png","base64":"iVBORw=="},
                      {"filename":"agenda.ics","content_type":"text/calendar; charset=utf-8","base64":"QkVHSU4="}]"#;
        let read = read_column(old).unwrap();
        assert_eq!(
            read,
            [
                Stored::Ready(Attachment::new("checkin-qr.png", "image/png", b"\x89PNG")),
                Stored::Ready(Attachment::new(
                    "agenda.ics",
                    "text/calendar; charset=utf-8",
                    b"BEGIN"
                )),
            ]
        );
        assert_eq!(read_column("[]").unwrap(), []);
        let mixed = read_column(r#"[{"place_of_registration":5},{"filename":"a","content_type":"text/plain","base64":""}]"#).unwrap();
        assert_eq!(mixed.len(), 2);
        assert_eq!(mixed[0], Stored::Recipe(Recipe::PlaceOfRegistration(5)));
        assert!(read_column("").is_err());
        assert!(read_column(r#"[{"place_of_nothing":5}]"#).is_err());
    }
}
