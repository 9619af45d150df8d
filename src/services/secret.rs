//! The key that signs cookies: from KONGRESS_SECRET_KEY, or generated once and kept in the
//! database so that restarts (and other instances on the same database) agree.

use diesel::prelude::*;
use rand::RngCore;

use crate::db::schema::app_settings;
use crate::db::DbConnection;

const KEY_NAME: &str = "secret_key";

/// Returns the configured key, or the stored one, creating it on first use. Two instances that
/// start together both try to insert; the loser reads the winner's key.
pub fn ensure_secret_key(
    conn: &mut DbConnection,
    configured: Option<&str>,
) -> QueryResult<Vec<u8>> {
    if let Some(hex_key) = configured {
        return Ok(hex::decode(hex_key).unwrap_or_default());
    }
    let stored: Option<String> = app_settings::table
        .filter(app_settings::key.eq(KEY_NAME))
        .select(app_settings::value)
        .first(conn)
        .optional()?;
    if let Some(v) = stored {
        return Ok(hex::decode(v).unwrap_or_default());
    }
    let mut key = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let inserted = diesel::insert_into(app_settings::table)
        .values((
            app_settings::key.eq(KEY_NAME),
            app_settings::value.eq(hex::encode(key)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(key.to_vec()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            let v: String = app_settings::table
                .filter(app_settings::key.eq(KEY_NAME))
                .select(app_settings::value)
                .first(conn)?;
            Ok(hex::decode(v).unwrap_or_default())
        }
        Err(e) => Err(e),
    }
}
