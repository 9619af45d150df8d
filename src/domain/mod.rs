//! Pure domain rules: no actix, diesel or lettre in here.
//!
//! Everything in this module is a plain function over plain values, so the rules of SPEC §2 can
//! be unit-tested in tables and reused by services, the scheduler and exports alike. Raw input
//! is parsed into these types at the boundary ("parse, don't validate"); after that the types
//! carry the guarantee.

pub mod allocation;
pub mod blocks;
pub mod conflicts;
pub mod email;
pub mod enrollment;
pub mod ids;
pub mod mail;
pub mod profile;
pub mod programme;
pub mod published;
pub mod registration;
pub mod seats;
pub mod slug;
pub mod text;
pub mod throttle;
pub mod time;

pub use conflicts::{
    check_placement, conflict_report, first_overlap, participant_overlaps, Badge, Conflict,
    ConflictReport, Placement, Severity, SHOWN_CONFLICTS,
};
pub use email::{EmailAddress, EmailError};
pub use enrollment::{EnrollmentEvent, EnrollmentStatus};
pub use ids::{
    ApiTokenId, CategoryId, CongressId, EnrollmentId, OrganizerId, OutboxMessageId, QuestionId,
    RegistrationId, RoomId, SessionId, SlotGroupId, SpeakerId, SpeakerLinkId, TrackId, VersionId,
};
pub use mail::MailKind;
pub use programme::{CongressStatus, SessionKind, SessionStatus};
pub use registration::RegistrationStatus;
pub use seats::{effective_capacity, promotions, seats_left, Admission, WaitlistReason};
pub use slug::{Slug, SlugError, RESERVED_SLUGS};
pub use time::{
    congress_days, congress_window_utc, day_range_utc, local_date_of, local_to_utc,
    parse_time_zone, utc_to_local, LocalTimeError, TimeRange, TimeRangeError, TimeZoneError,
};
