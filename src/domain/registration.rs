//! The registration state machine (SPEC §2 rules 1, 2, 5 and 6).
//!
//! Every change of a registration's status goes through [`transition`], and nowhere else: the
//! service layer loads the registration, asks this function what the event means, then persists
//! the new status, writes the audit entry and carries out the returned [`Effect`]s in the same
//! transaction (STYLE habit 4, after pretalx's single `set_submission_state`). Keeping the rule
//! pure means the whole table of allowed changes is unit-tested here, and no handler can set a
//! status the table does not allow.
//!
//! Decisions that need the database (is a place free?) are made atomically by the caller and
//! passed in as an [`Admission`]; this module only decides what follows from them.

use std::fmt;

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

pub use super::mail::MailKind;
use super::seats::Admission;

/// How long a pending registration waits for its confirmation link to be opened before it
/// expires (SPEC §2 rule 5).
pub const CONFIRMATION_HOURS: i64 = 48;

/// Where a registration stands. Stored as text ([`RegistrationStatus::as_str`]) so both
/// database backends share one portable column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Created from the form; waits for the double opt-in link to be opened (rule 5).
    Pending,
    /// Holds a congress place and may enroll in workshops.
    Confirmed,
    /// Confirmed the email, but the congress or the category was full; waits in line (rule 2).
    Waitlisted,
    /// Confirmed the email; the category needs an organizer's approval before a place is sought.
    AwaitingApproval,
    /// Cancelled by the participant or an organizer, or declined; holds nothing.
    Cancelled,
    /// The confirmation link was not opened in time; holds nothing.
    Expired,
}

impl RegistrationStatus {
    /// Every status, for tables, filters and exhaustive tests.
    pub const ALL: [RegistrationStatus; 6] = [
        RegistrationStatus::Pending,
        RegistrationStatus::Confirmed,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::AwaitingApproval,
        RegistrationStatus::Cancelled,
        RegistrationStatus::Expired,
    ];

    /// The stored (and API) name; stable, because rows and scripts rely on it.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::AwaitingApproval => "awaiting_approval",
            RegistrationStatus::Cancelled => "cancelled",
            RegistrationStatus::Expired => "expired",
        }
    }

    /// Reads a stored name back; `None` for anything [`as_str`](Self::as_str) never writes, so
    /// a corrupt row is noticed instead of silently read as some status.
    pub fn parse(s: &str) -> Option<RegistrationStatus> {
        RegistrationStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
    }
}

impl fmt::Display for RegistrationStatus {
    /// Writes the stored name, so logs and audit entries match the database.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happened to a registration. Facts only the database can establish (is a
/// place free?) arrive already decided, so the rule stays pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// Opened the emailed link; the category needs an organizer's approval first (no place is
    /// taken).
    EmailConfirmedNeedsApproval,
    /// Opened the emailed link; `admission` is the outcome of the atomic place check (congress
    /// capacity and category quota) done by the caller in the same transaction.
    EmailConfirmed(Admission),
    /// An organizer approved; admission as above.
    Approved(Admission),
    /// An organizer declined a registration that needed approval.
    Declined,
    /// A place became free and this waitlisted registration is first in line (the caller
    /// already took the place atomically).
    Promoted,
    /// Cancelled by the participant or an organizer.
    Cancelled {
        /// Who cancelled, for the audit log; the rule itself does not depend on it.
        by_organizer: bool,
    },
    /// The confirmation link was not opened in time (48 h): `now` and the deadline are passed
    /// so the rule can refuse a premature expiry.
    Expire {
        /// The clock value of the expiry run.
        now: NaiveDateTime,
        /// The registration's [`confirmation_deadline`].
        deadline: NaiveDateTime,
    },
}

impl RegistrationEvent {
    /// A stable name for the event, used in [`TransitionError::NotAllowed`] and in logs (which
    /// must not carry the event's data).
    pub fn name(&self) -> &'static str {
        match self {
            RegistrationEvent::EmailConfirmedNeedsApproval => "email_confirmed_needs_approval",
            RegistrationEvent::EmailConfirmed(_) => "email_confirmed",
            RegistrationEvent::Approved(_) => "approved",
            RegistrationEvent::Declined => "declined",
            RegistrationEvent::Promoted => "promoted",
            RegistrationEvent::Cancelled { .. } => "cancelled",
            RegistrationEvent::Expire { .. } => "expire",
        }
    }
}

/// Work the caller must do, in the listed order, in the same transaction that stores the new
/// status. Releases come before emails, so a promotion they trigger is queued alongside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Queue this email in the outbox (rule 6).
    SendEmail(MailKind),
    /// Enroll in the workshops chosen at registration (seat checks happen in the database).
    EnrollChosenWorkshops,
    /// Give back the congress place (and category quota) this registration held, promoting the
    /// next in line.
    ReleasePlace,
    /// Leave every workshop and workshop waitlist, promoting the next in line.
    ReleaseWorkshopSeats,
    /// Add to the congress waitlist (FIFO).
    JoinCongressWaitlist,
}

/// An allowed change: the status before and after (both go to the audit log) and the effects
/// to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The status the registration had.
    pub from: RegistrationStatus,
    /// The status to store.
    pub to: RegistrationStatus,
    /// What to do besides storing `to`, in order.
    pub effects: Vec<Effect>,
}

/// Why an event was refused. Both are the caller's to explain (e.g. a second click on the
/// confirmation link becomes an "already confirmed" page), never a server error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The event means nothing in the current status (confirming twice, promoting a confirmed
    /// registration, cancelling a cancelled one …).
    #[error("a registration that is {from} cannot take the event {event}")]
    NotAllowed {
        /// The status the registration is in.
        from: RegistrationStatus,
        /// [`RegistrationEvent::name`] of the refused event.
        event: &'static str,
    },
    /// An expiry was requested before the confirmation deadline; the registration stays pending.
    #[error("the confirmation deadline has not passed yet")]
    TooEarly,
}

/// The one rule for every registration change: what `event` does to a registration in status
/// `current`. Pure, so the caller decides when to persist and the table is tested in full.
pub fn transition(
    current: RegistrationStatus,
    event: &RegistrationEvent,
) -> Result<Transition, TransitionError> {
    use Effect::*;
    use RegistrationEvent as E;
    use RegistrationStatus as S;

    let (to, effects) = match (current, event) {
        (S::Pending, E::EmailConfirmedNeedsApproval) => (
            S::AwaitingApproval,
            vec![SendEmail(MailKind::AwaitingApproval)],
        ),
        (S::Pending, E::EmailConfirmed(Admission::Confirm)) => (
            S::Confirmed,
            vec![
                SendEmail(MailKind::RegistrationConfirmed),
                EnrollChosenWorkshops,
            ],
        ),
        (S::Pending, E::EmailConfirmed(Admission::Waitlist(_)))
        | (S::AwaitingApproval, E::Approved(Admission::Waitlist(_))) => (
            S::Waitlisted,
            vec![JoinCongressWaitlist, SendEmail(MailKind::Waitlisted)],
        ),
        (S::AwaitingApproval, E::Approved(Admission::Confirm)) => (
            S::Confirmed,
            vec![SendEmail(MailKind::ApprovalGranted), EnrollChosenWorkshops],
        ),
        (S::AwaitingApproval, E::Declined) => {
            (S::Cancelled, vec![SendEmail(MailKind::ApprovalDeclined)])
        }
        (S::Waitlisted, E::Promoted) => (
            S::Confirmed,
            vec![
                SendEmail(MailKind::PromotedFromWaitlist),
                EnrollChosenWorkshops,
            ],
        ),
        // Only a confirmed registration holds a place (see `holds_place`); releasing one
        // that was never taken would free a place someone else holds.
        (S::Confirmed, E::Cancelled { .. }) => (
            S::Cancelled,
            vec![
                ReleaseWorkshopSeats,
                ReleasePlace,
                SendEmail(MailKind::Cancelled),
            ],
        ),
        (S::Pending | S::Waitlisted | S::AwaitingApproval, E::Cancelled { .. }) => (
            S::Cancelled,
            vec![ReleaseWorkshopSeats, SendEmail(MailKind::Cancelled)],
        ),
        (S::Pending, E::Expire { now, deadline }) => {
            if now < deadline {
                return Err(TransitionError::TooEarly);
            }
            // No email: the address was never confirmed, so writing to it again is what
            // double opt-in exists to prevent.
            (S::Expired, vec![ReleaseWorkshopSeats])
        }
        _ => {
            return Err(TransitionError::NotAllowed {
                from: current,
                event: event.name(),
            })
        }
    };
    Ok(Transition {
        from: current,
        to,
        effects,
    })
}

/// Which statuses hold a congress place (counted against capacity and quota): only Confirmed.
///
/// Waitlisted and awaiting-approval registrations have confirmed their email but hold nothing,
/// so counting them would turn away people who could be admitted.
pub fn holds_place(s: RegistrationStatus) -> bool {
    s == RegistrationStatus::Confirmed
}

/// Whether the registration may still change workshops (Confirmed only), so workshop seats go
/// only to people who are sure to attend.
pub fn may_enroll(s: RegistrationStatus) -> bool {
    s == RegistrationStatus::Confirmed
}

/// Whether a registration with this status blocks a new registration with the same email
/// (Cancelled and Expired do not: registering again reuses the record).
pub fn blocks_reregistration(s: RegistrationStatus) -> bool {
    !matches!(
        s,
        RegistrationStatus::Cancelled | RegistrationStatus::Expired
    )
}

/// The confirmation deadline: 48 hours after `created_at` (rule 5).
///
/// Saturates at the largest representable time rather than panicking; a deadline that far out
/// simply never passes.
pub fn confirmation_deadline(created_at: NaiveDateTime) -> NaiveDateTime {
    TimeDelta::try_hours(CONFIRMATION_HOURS)
        .and_then(|hours| created_at.checked_add_signed(hours))
        .unwrap_or(NaiveDateTime::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::seats::WaitlistReason;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    /// One representative of every event variant, with both admission outcomes (both waitlist
    /// reasons), both cancellers, and an expiry before, at and after the deadline.
    fn every_event() -> Vec<RegistrationEvent> {
        use RegistrationEvent as E;
        let deadline = at(3, 12, 0);
        vec![
            E::EmailConfirmedNeedsApproval,
            E::EmailConfirmed(Admission::Confirm),
            E::EmailConfirmed(Admission::Waitlist(WaitlistReason::CongressFull)),
            E::EmailConfirmed(Admission::Waitlist(WaitlistReason::CategoryFull)),
            E::Approved(Admission::Confirm),
            E::Approved(Admission::Waitlist(WaitlistReason::CongressFull)),
            E::Approved(Admission::Waitlist(WaitlistReason::CategoryFull)),
            E::Declined,
            E::Promoted,
            E::Cancelled {
                by_organizer: false,
            },
            E::Cancelled { by_organizer: true },
            E::Expire {
                now: at(3, 11, 59),
                deadline,
            },
            E::Expire {
                now: deadline,
                deadline,
            },
            E::Expire {
                now: at(4, 9, 0),
                deadline,
            },
        ]
    }

    type Outcome = Result<(RegistrationStatus, Vec<Effect>), TransitionError>;

    /// The full table, written out by hand so it documents the machine: every status against
    /// every event in `every_event`, in that order.
    fn expected_table() -> Vec<(RegistrationStatus, Vec<Outcome>)> {
        use Effect::*;
        use MailKind as K;
        use RegistrationStatus as S;

        fn no(from: RegistrationStatus, event: &'static str) -> Outcome {
            Err(TransitionError::NotAllowed { from, event })
        }
        let to_waitlist = || {
            Ok((
                S::Waitlisted,
                vec![JoinCongressWaitlist, SendEmail(K::Waitlisted)],
            ))
        };
        let cancel_unplaced = || {
            Ok((
                S::Cancelled,
                vec![ReleaseWorkshopSeats, SendEmail(K::Cancelled)],
            ))
        };
        let cancel_placed = || {
            Ok((
                S::Cancelled,
                vec![ReleaseWorkshopSeats, ReleasePlace, SendEmail(K::Cancelled)],
            ))
        };
        // Every status refuses these the same way unless it says otherwise.
        let refused_all = |from: S| -> Vec<Outcome> {
            vec![
                no(from, "email_confirmed_needs_approval"),
                no(from, "email_confirmed"),
                no(from, "email_confirmed"),
                no(from, "email_confirmed"),
                no(from, "approved"),
                no(from, "approved"),
                no(from, "approved"),
                no(from, "declined"),
                no(from, "promoted"),
                no(from, "cancelled"),
                no(from, "cancelled"),
                no(from, "expire"),
                no(from, "expire"),
                no(from, "expire"),
            ]
        };

        let pending = vec![
            Ok((S::AwaitingApproval, vec![SendEmail(K::AwaitingApproval)])),
            Ok((
                S::Confirmed,
                vec![SendEmail(K::RegistrationConfirmed), EnrollChosenWorkshops],
            )),
            to_waitlist(),
            to_waitlist(),
            no(S::Pending, "approved"),
            no(S::Pending, "approved"),
            no(S::Pending, "approved"),
            no(S::Pending, "declined"),
            no(S::Pending, "promoted"),
            cancel_unplaced(),
            cancel_unplaced(),
            Err(TransitionError::TooEarly),
            Ok((S::Expired, vec![ReleaseWorkshopSeats])),
            Ok((S::Expired, vec![ReleaseWorkshopSeats])),
        ];

        let mut confirmed = refused_all(S::Confirmed);
        confirmed[9] = cancel_placed();
        confirmed[10] = cancel_placed();

        let mut waitlisted = refused_all(S::Waitlisted);
        waitlisted[8] = Ok((
            S::Confirmed,
            vec![SendEmail(K::PromotedFromWaitlist), EnrollChosenWorkshops],
        ));
        waitlisted[9] = cancel_unplaced();
        waitlisted[10] = cancel_unplaced();

        let mut awaiting = refused_all(S::AwaitingApproval);
        awaiting[4] = Ok((
            S::Confirmed,
            vec![SendEmail(K::ApprovalGranted), EnrollChosenWorkshops],
        ));
        awaiting[5] = to_waitlist();
        awaiting[6] = to_waitlist();
        awaiting[7] = Ok((S::Cancelled, vec![SendEmail(K::ApprovalDeclined)]));
        awaiting[9] = cancel_unplaced();
        awaiting[10] = cancel_unplaced();

        vec![
            (S::Pending, pending),
            (S::Confirmed, confirmed),
            (S::Waitlisted, waitlisted),
            (S::AwaitingApproval, awaiting),
            (S::Cancelled, refused_all(S::Cancelled)),
            (S::Expired, refused_all(S::Expired)),
        ]
    }

    #[test]
    fn every_status_and_event_has_the_expected_outcome() {
        let events = every_event();
        let table = expected_table();

        let statuses: Vec<_> = table.iter().map(|(status, _)| *status).collect();
        assert_eq!(
            statuses,
            RegistrationStatus::ALL,
            "table covers every status"
        );

        let mut checked = 0;
        for (status, outcomes) in table {
            assert_eq!(outcomes.len(), events.len(), "row for {status}");
            for (event, expected) in events.iter().zip(outcomes) {
                let actual = transition(status, event).map(|t| {
                    assert_eq!(t.from, status, "{status} + {event:?} keeps `from`");
                    (t.to, t.effects)
                });
                assert_eq!(actual, expected, "{status} + {event:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 6 * 14);
    }

    #[test]
    fn releases_come_before_emails() {
        for status in RegistrationStatus::ALL {
            for event in every_event() {
                let Ok(t) = transition(status, &event) else {
                    continue;
                };
                let first_email = t
                    .effects
                    .iter()
                    .position(|e| matches!(e, Effect::SendEmail(_)));
                let last_release = t.effects.iter().rposition(|e| {
                    matches!(e, Effect::ReleasePlace | Effect::ReleaseWorkshopSeats)
                });
                if let (Some(email), Some(release)) = (first_email, last_release) {
                    assert!(release < email, "{status} + {event:?}");
                }
            }
        }
    }

    #[test]
    fn only_confirmed_holds_a_place_and_may_enroll() {
        use RegistrationStatus as S;
        let cases = [
            (S::Pending, false),
            (S::Confirmed, true),
            (S::Waitlisted, false),
            (S::AwaitingApproval, false),
            (S::Cancelled, false),
            (S::Expired, false),
        ];
        for (status, expected) in cases {
            assert_eq!(holds_place(status), expected, "holds_place({status})");
            assert_eq!(may_enroll(status), expected, "may_enroll({status})");
        }
    }

    #[test]
    fn cancelled_and_expired_do_not_block_registering_again() {
        use RegistrationStatus as S;
        let cases = [
            (S::Pending, true),
            (S::Confirmed, true),
            (S::Waitlisted, true),
            (S::AwaitingApproval, true),
            (S::Cancelled, false),
            (S::Expired, false),
        ];
        for (status, expected) in cases {
            assert_eq!(blocks_reregistration(status), expected, "{status}");
        }
    }

    #[test]
    fn confirmation_deadline_is_48_hours_later() {
        let cases = [
            (at(1, 10, 30), at(3, 10, 30)),
            (at(30, 23, 59), at(30, 23, 59) + TimeDelta::hours(48)),
            (NaiveDateTime::MAX, NaiveDateTime::MAX),
        ];
        for (created_at, expected) in cases {
            assert_eq!(confirmation_deadline(created_at), expected, "{created_at}");
        }
        // The deadline itself is the first moment expiry is allowed.
        let created = at(1, 10, 30);
        let deadline = confirmation_deadline(created);
        let expire = |now| RegistrationEvent::Expire { now, deadline };
        assert_eq!(
            transition(
                RegistrationStatus::Pending,
                &expire(deadline - TimeDelta::seconds(1))
            ),
            Err(TransitionError::TooEarly)
        );
        assert!(transition(RegistrationStatus::Pending, &expire(deadline)).is_ok());
    }

    #[test]
    fn status_names_round_trip() {
        let names = [
            "pending",
            "confirmed",
            "waitlisted",
            "awaiting_approval",
            "cancelled",
            "expired",
        ];
        for (status, name) in RegistrationStatus::ALL.into_iter().zip(names) {
            assert_eq!(status.as_str(), name);
            assert_eq!(status.to_string(), name);
            assert_eq!(RegistrationStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            let back: RegistrationStatus = serde_json::from_str(&json).unwrap();
            assert_eq!(back, status);
        }
        assert_eq!(RegistrationStatus::parse("Confirmed"), None);
        assert_eq!(RegistrationStatus::parse(""), None);
    }

    #[test]
    fn errors_name_the_status_and_event() {
        let err = transition(
            RegistrationStatus::Confirmed,
            &RegistrationEvent::EmailConfirmed(Admission::Confirm),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a registration that is confirmed cannot take the event email_confirmed"
        );
    }
}
