//! The mail worker: claims due outbox rows, sends them, records every attempt, and backs off
//! exponentially while the server is down. Several instances may run it against one database.
//!
//! Delivery is at least once. A claim is a lease of [`LEASE_SECONDS`], renewed every
//! [`RENEW_EVERY_SECONDS`] while the SMTP conversation runs; a worker that dies mid-send leaves
//! its lease to expire, and the next pass (of any instance) sends the message again, with the
//! same Message-ID, so a mail whose first send did get through before the crash arrives twice
//! but recognisably so.
//!
//! Attachments stored as recipes (a registration's check-in code and agenda) are rendered right
//! after the claim, outside any write transaction, by the [`AttachmentRenderer`] the services
//! provide; a message whose attachments cannot be made is not sent, and the attempt counts as
//! failed (retried with the same backoff).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::transport::{MailTransport, OutgoingMessage};
use crate::db::now_utc;
use crate::db::outbox::Claim;
use crate::db::schema::{outbox, outbox_attempts};
use crate::db::DbPool;
use crate::mail::attachment::{self, Attachment, AttachmentRenderer};

/// Attempts before a message is marked failed (about a day of retries with the cap below).
pub const MAX_ATTEMPTS: i32 = 30;
/// How long a claim holds a message: the SMTP timeout (see `transport`) plus a margin. A message
/// whose lease was neither renewed nor released for this long belongs to a worker that died: it
/// is claimed again.
pub const LEASE_SECONDS: i64 = 45;
/// How often a worker renews the lease of the message it is sending.
pub const RENEW_EVERY_SECONDS: u64 = 15;

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
    renderer: Arc<dyn AttachmentRenderer>,
}

type Row = (i64, String, String, String, String, String, String);

/// A claimed message, with its attachments made (or why they could not be).
type Claimed = (Claim, Row, Result<Vec<Attachment>, String>);

impl Mailer {
    /// `renderer` makes the attachments stored as recipes.
    pub fn new(
        pool: DbPool,
        transport: MailTransport,
        from: String,
        renderer: Arc<dyn AttachmentRenderer>,
    ) -> Mailer {
        Mailer {
            pool,
            transport,
            from,
            renderer,
        }
    }

    /// Claims and sends what is due now; returns how many messages were sent.
    pub async fn drain_once(&self) -> Result<usize, String> {
        let pool = self.pool.clone();
        let renderer = self.renderer.clone();
        let now = now_utc();
        let claimed: Vec<Claimed> =
            actix_web::rt::task::spawn_blocking(move || -> Result<Vec<Claimed>, String> {
                let mut conn = crate::db::checkout(&pool).map_err(|e| e.to_string())?;
                let claims = crate::db::outbox::claim(
                    &mut conn,
                    now,
                    now - Duration::seconds(LEASE_SECONDS),
                    20,
                )
                .map_err(|e| e.to_string())?;
                let ids: Vec<i64> = claims.iter().map(|c| c.id).collect();
                let rows: Vec<Row> = outbox::table
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
                    ))
                    .load(&mut conn)
                    .map_err(|e| e.to_string())?;
                // The token comes from the claim, not from a re-read (another worker may have
                // claimed the row since); a row deleted meanwhile (a purge) is simply skipped.
                // The claim is committed: attachments are made without holding a write lock.
                Ok(rows
                    .into_iter()
                    .filter_map(|row| {
                        let claim = claims.iter().find(|c| c.id == row.0)?;
                        let files = attachment::read_column(&row.6).and_then(|stored| {
                            attachment::resolve(&mut conn, stored, renderer.as_ref())
                        });
                        Some((*claim, row, files))
                    })
                    .collect())
            })
            .await
            .map_err(|e| e.to_string())??;
        let mut sent = 0;
        for (claim, (_, to, subject, message_id, text, html, _), files) in claimed {
            let result = match files {
                Ok(attachments) => {
                    let message = OutgoingMessage {
                        from: &self.from,
                        to: &to,
                        subject: &subject,
                        message_id: &message_id,
                        text: &text,
                        html: &html,
                        attachments: &attachments,
                    };
                    let result = self.send_under_lease(claim, &message).await;
                    if let Err(e) = &result {
                        // The outbox id, never the address: no personal data in logs.
                        tracing::warn!(outbox_id = claim.id, attempts = claim.attempts, error = %e, "mail delivery failed");
                    }
                    result.map_err(|e| e.to_string())
                }
                Err(e) => {
                    tracing::warn!(outbox_id = claim.id, attempts = claim.attempts, error = %e, "mail attachments not made; not sent");
                    Err(format!("attachments: {e}"))
                }
            };
            if result.is_ok() {
                sent += 1;
            }
            let error = result.err();
            let pool = self.pool.clone();
            actix_web::rt::task::spawn_blocking(move || record(&pool, claim, error))
                .await
                .map_err(|e| e.to_string())??;
        }
        Ok(sent)
    }

    /// Sends one message and renews its lease every [`RENEW_EVERY_SECONDS`] until the transport
    /// answers, so a slow SMTP server does not let another worker take the message over.
    async fn send_under_lease(
        &self,
        claim: Claim,
        message: &OutgoingMessage<'_>,
    ) -> Result<(), super::TransportError> {
        let every = StdDuration::from_secs(RENEW_EVERY_SECONDS);
        let mut renewals =
            actix_web::rt::time::interval_at(actix_web::rt::time::Instant::now() + every, every);
        let send = self.transport.send(message);
        tokio::pin!(send);
        loop {
            tokio::select! {
                result = &mut send => return result,
                _ = renewals.tick() => {
                    let pool = self.pool.clone();
                    let renewed = actix_web::rt::task::spawn_blocking(move || {
                        let mut conn = crate::db::checkout(&pool).map_err(|e| e.to_string())?;
                        crate::db::outbox::renew(&mut conn, claim, now_utc())
                            .map_err(|e| e.to_string())
                    })
                    .await;
                    match renewed {
                        Ok(Ok(true)) => {}
                        Ok(Ok(false)) => tracing::warn!(
                            outbox_id = claim.id,
                            "mail lease taken over by another worker; its result will count"
                        ),
                        Ok(Err(e)) => tracing::warn!(outbox_id = claim.id, error = %e, "mail lease not renewed"),
                        Err(e) => tracing::warn!(outbox_id = claim.id, error = %e, "mail lease not renewed"),
                    }
                }
            }
        }
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

/// Records one attempt and, if the claim is still ours, its outcome on the row. A worker whose
/// lease expired and was taken over keeps its attempt in the history but leaves the row to the
/// new owner.
fn record(pool: &DbPool, claim: Claim, error: Option<String>) -> Result<(), String> {
    let mut conn = crate::db::checkout(pool).map_err(|e| e.to_string())?;
    let now: NaiveDateTime = now_utc();
    let ours = conn
        .transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::insert_into(outbox_attempts::table)
                .values((
                    outbox_attempts::outbox_id.eq(claim.id),
                    outbox_attempts::attempted_at.eq(now),
                    outbox_attempts::succeeded.eq(error.is_none()),
                    outbox_attempts::error.eq(error.as_deref()),
                ))
                .execute(conn)?;
            match &error {
                None => crate::db::outbox::mark_sent(conn, claim, now),
                Some(e) => crate::db::outbox::mark_failed(
                    conn,
                    claim,
                    e,
                    now + backoff(claim.attempts),
                    claim.attempts >= MAX_ATTEMPTS,
                ),
            }
        })
        .map_err(|e| e.to_string())?;
    if !ours {
        tracing::warn!(
            outbox_id = claim.id,
            attempts = claim.attempts,
            "mail lease was taken over before the outcome was recorded; left to the new owner"
        );
    }
    Ok(())
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
