//! The mail worker: claims due outbox rows, sends them, records every attempt, and backs off
//! exponentially while the server is down. Several instances may run it against one database.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::transport::{MailTransport, OutgoingMessage};
use crate::db::schema::{outbox, outbox_attempts};
use crate::db::DbPool;
use crate::services::now_utc;
use crate::services::outbox::Attachment;

/// Attempts before a message is marked failed (about a day of retries with the cap below).
pub const MAX_ATTEMPTS: i32 = 30;
/// A message `sending` for longer than this belongs to a worker that died: it is retried.
pub const STALE_AFTER_SECONDS: i64 = 300;

/// Delay after the `attempts`-th failed attempt: 5 s, 10 s, 20 s … capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    let secs = 5i64.saturating_mul(1i64 << exp);
    Duration::seconds(secs.min(3600))
}

/// Delivers the outbox.
#[derive(Clone)]
pub struct Mailer {
    pool: DbPool,
    transport: MailTransport,
    from: String,
}

type Row = (i64, String, String, String, String, String, String, i32);

impl Mailer {
    pub fn new(pool: DbPool, transport: MailTransport, from: String) -> Mailer {
        Mailer {
            pool,
            transport,
            from,
        }
    }

    /// Claims and sends what is due now; returns how many messages were sent.
    pub async fn drain_once(&self) -> Result<usize, String> {
        let pool = self.pool.clone();
        let now = now_utc();
        let rows: Vec<Row> =
            actix_web::rt::task::spawn_blocking(move || -> Result<Vec<Row>, String> {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                let ids = crate::db::outbox::claim(
                    &mut conn,
                    now,
                    now - Duration::seconds(STALE_AFTER_SECONDS),
                    20,
                )
                .map_err(|e| e.to_string())?;
                outbox::table
                    .filter(outbox::id.eq_any(&ids))
                    .order(outbox::id)
                    .select((
                        outbox::id,
                        outbox::recipient,
                        outbox::subject,
                        outbox::message_id,
                        outbox::body_text,
                        outbox::body_html,
                        outbox::attachments,
                        outbox::attempts,
                    ))
                    .load(&mut conn)
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
        let mut sent = 0;
        for (id, to, subject, message_id, text, html, attachments, attempts) in rows {
            let attachments: Vec<Attachment> =
                serde_json::from_str(&attachments).unwrap_or_default();
            let result = self
                .transport
                .send(&OutgoingMessage {
                    from: &self.from,
                    to: &to,
                    subject: &subject,
                    message_id: &message_id,
                    text: &text,
                    html: &html,
                    attachments: &attachments,
                })
                .await;
            let ok = result.is_ok();
            if ok {
                sent += 1;
            } else if let Err(e) = &result {
                // The outbox id, never the address: no personal data in logs.
                tracing::warn!(outbox_id = id, attempts, error = %e, "mail delivery failed");
            }
            let error = result.err().map(|e| e.to_string());
            let pool = self.pool.clone();
            actix_web::rt::task::spawn_blocking(move || record(&pool, id, attempts, error))
                .await
                .map_err(|e| e.to_string())??;
        }
        Ok(sent)
    }

    /// Sends until nothing is due (tests call this to drive the outbox explicitly).
    pub async fn drain(&self) -> Result<usize, String> {
        let mut total = 0;
        loop {
            let n = self.drain_once().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// The worker loop of `serve`: drains, then sleeps a little when idle.
    pub async fn run(self) {
        loop {
            match self.drain_once().await {
                Ok(0) => actix_web::rt::time::sleep(StdDuration::from_secs(1)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "mail worker");
                    actix_web::rt::time::sleep(StdDuration::from_secs(5)).await;
                }
            }
        }
    }
}

/// Records one attempt and its outcome on the row.
fn record(pool: &DbPool, id: i64, attempts: i32, error: Option<String>) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now: NaiveDateTime = now_utc();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::insert_into(outbox_attempts::table)
            .values((
                outbox_attempts::outbox_id.eq(id),
                outbox_attempts::attempted_at.eq(now),
                outbox_attempts::succeeded.eq(error.is_none()),
                outbox_attempts::error.eq(error.as_deref()),
            ))
            .execute(conn)?;
        match &error {
            None => diesel::update(outbox::table.find(id))
                .set((
                    outbox::status.eq("sent"),
                    outbox::sent_at.eq(Some(now)),
                    outbox::locked_at.eq(None::<NaiveDateTime>),
                    outbox::last_error.eq(None::<String>),
                ))
                .execute(conn)?,
            Some(e) => diesel::update(outbox::table.find(id))
                .set((
                    outbox::status.eq(if attempts >= MAX_ATTEMPTS {
                        "failed"
                    } else {
                        "pending"
                    }),
                    outbox::next_attempt_at.eq(now + backoff(attempts)),
                    outbox::locked_at.eq(None::<NaiveDateTime>),
                    outbox::last_error.eq(Some(e.as_str())),
                ))
                .execute(conn)?,
        };
        Ok(())
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(3), Duration::seconds(20));
        assert_eq!(backoff(10), Duration::seconds(2560));
        assert_eq!(backoff(11), Duration::seconds(3600));
        assert_eq!(backoff(30), Duration::seconds(3600));
        assert_eq!(backoff(0), Duration::seconds(5));
    }
}
