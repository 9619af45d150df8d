//! Every kind of email the application sends, and what each kind is: its template, whether it
//! has a button, whether it carries the place attachments.
//!
//! The registration state machine names the kinds it queues (`registration::Effect`); the
//! notifications, the speaker portal, the allocation and organizers' bulk mail name the others.
//! One enum for all of them means an unknown kind cannot be queued and a new kind cannot be
//! forgotten in the template table (`mail::compose` matches on it exhaustively).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which email. The name selects the template (`email/kinds/<kind>.txt`) and is stored as the
/// outbox message's kind, so the names are stable: stored rows must stay readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailKind {
    /// The double opt-in mail with the confirmation link, sent when a registration is created.
    ConfirmYourRegistration,
    /// The link was opened and a place was free.
    RegistrationConfirmed,
    /// The link was opened; an organizer must approve the category first.
    AwaitingApproval,
    /// The link was opened (or approval given) but no place was free.
    Waitlisted,
    /// A place became free and the registration moved up from the waitlist.
    PromotedFromWaitlist,
    /// An organizer approved and a place was free.
    ApprovalGranted,
    /// An organizer declined the registration.
    ApprovalDeclined,
    /// The registration was cancelled.
    Cancelled,
    /// A workshop seat became free and the participant moved up from its waitlist.
    EnrollmentPromoted,
    /// An organizer's mail to a group of participants.
    Bulk,
    /// A speaker's private link to their portal.
    SpeakerLink,
    /// A published change touched the speaker's sessions.
    SpeakerScheduleChanged,
    /// A published change touched sessions the participant holds a seat in.
    ParticipantScheduleChanged,
    /// The outcome of a ranked-choice workshop allocation.
    AllocationResult,
}

impl MailKind {
    /// Every kind, for tables and exhaustive tests.
    pub const ALL: [MailKind; 14] = [
        MailKind::ConfirmYourRegistration,
        MailKind::RegistrationConfirmed,
        MailKind::AwaitingApproval,
        MailKind::Waitlisted,
        MailKind::PromotedFromWaitlist,
        MailKind::ApprovalGranted,
        MailKind::ApprovalDeclined,
        MailKind::Cancelled,
        MailKind::EnrollmentPromoted,
        MailKind::Bulk,
        MailKind::SpeakerLink,
        MailKind::SpeakerScheduleChanged,
        MailKind::ParticipantScheduleChanged,
        MailKind::AllocationResult,
    ];

    /// The template name and outbox kind.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::ConfirmYourRegistration => "confirm-your-registration",
            MailKind::RegistrationConfirmed => "registration-confirmed",
            MailKind::AwaitingApproval => "awaiting-approval",
            MailKind::Waitlisted => "waitlisted",
            MailKind::PromotedFromWaitlist => "promoted-from-waitlist",
            MailKind::ApprovalGranted => "approval-granted",
            MailKind::ApprovalDeclined => "approval-declined",
            MailKind::Cancelled => "cancelled",
            MailKind::EnrollmentPromoted => "enrollment-promoted",
            MailKind::Bulk => "bulk",
            MailKind::SpeakerLink => "speaker-link",
            MailKind::SpeakerScheduleChanged => "speaker-schedule-changed",
            MailKind::ParticipantScheduleChanged => "participant-schedule-changed",
            MailKind::AllocationResult => "allocation-result",
        }
    }

    /// Reads a stored kind back (e.g. from an outbox row); `None` for unknown names.
    pub fn parse(s: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|kind| kind.as_str() == s)
    }

    /// Whether the mail has a button leading to a link (the manage page, the speaker portal …).
    /// The kind's template has a button label exactly when this is true (a test checks it); a
    /// kind without a button never shows the link it is given.
    pub fn has_button(self) -> bool {
        !matches!(self, MailKind::ApprovalDeclined | MailKind::Cancelled)
    }

    /// Whether the mail tells a person they now have a congress place, and so carries the place
    /// attachments: their check-in QR code and their agenda (SPEC §4).
    pub fn has_attachments(self) -> bool {
        matches!(
            self,
            MailKind::RegistrationConfirmed
                | MailKind::PromotedFromWaitlist
                | MailKind::ApprovalGranted
        )
    }
}

impl fmt::Display for MailKind {
    /// Writes the template name, so logs match the outbox.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        let names = [
            "confirm-your-registration",
            "registration-confirmed",
            "awaiting-approval",
            "waitlisted",
            "promoted-from-waitlist",
            "approval-granted",
            "approval-declined",
            "cancelled",
            "enrollment-promoted",
            "bulk",
            "speaker-link",
            "speaker-schedule-changed",
            "participant-schedule-changed",
            "allocation-result",
        ];
        assert_eq!(MailKind::ALL.len(), names.len());
        for (kind, name) in MailKind::ALL.into_iter().zip(names) {
            assert_eq!(kind.as_str(), name);
            assert_eq!(kind.to_string(), name);
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            let back: MailKind = serde_json::from_str(&json).unwrap();
            assert_eq!(back, kind);
        }
        assert_eq!(MailKind::parse("waitlist"), None);
        assert_eq!(MailKind::parse(""), None);
    }

    #[test]
    fn only_the_mails_that_give_a_place_carry_attachments() {
        let with: Vec<&str> = MailKind::ALL
            .into_iter()
            .filter(|k| k.has_attachments())
            .map(MailKind::as_str)
            .collect();
        assert_eq!(
            with,
            [
                "registration-confirmed",
                "promoted-from-waitlist",
                "approval-granted"
            ]
        );
        // A mail that gives a place links the private page the QR code belongs to.
        for kind in MailKind::ALL.into_iter().filter(|k| k.has_attachments()) {
            assert!(kind.has_button(), "{kind}");
        }
    }
}
