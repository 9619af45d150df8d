//! One newtype id per table, so a room id can never be passed where a session id belongs.
//!
//! The database hands out plain `i64` keys; wrapping them at the boundary turns a whole class of
//! mix-ups (argument order, joins on the wrong column) into compile errors.

use std::fmt;

/// Generates an id newtype over `i64`.
///
/// `#[serde(transparent)]` keeps JSON and form encodings a bare number, so the wrapper costs
/// nothing on the wire and existing clients see no difference.
macro_rules! id_newtype {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$meta])*
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                serde::Serialize, serde::Deserialize,
            )]
            #[serde(transparent)]
            pub struct $name(i64);

            impl $name {
                /// The raw key, for the database layer and URLs; everything else should keep
                /// the typed id.
                pub fn get(self) -> i64 {
                    self.0
                }

                /// The raw key by reference (what the database layer binds).
                pub fn as_raw(&self) -> &i64 {
                    &self.0
                }
            }

            impl From<i64> for $name {
                fn from(raw: i64) -> Self {
                    Self(raw)
                }
            }

            /// The raw key, for columns that hold keys of several tables (the audit log's
            /// entity).
            impl From<$name> for i64 {
                fn from(id: $name) -> i64 {
                    id.0
                }
            }

            /// A decimal key, as it comes in a path or a form field.
            impl std::str::FromStr for $name {
                type Err = std::num::ParseIntError;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    s.parse().map(Self)
                }
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    // Only the number: ids appear in URLs and log lines, where a type prefix
                    // would break links and add noise.
                    fmt::Display::fmt(&self.0, f)
                }
            }
        )+
    };
}

id_newtype! {
    /// Identifies a congress; everything else hangs off one.
    CongressId,
    /// Identifies a room of a congress venue.
    RoomId,
    /// Identifies a programme track (a colour-coded theme).
    TrackId,
    /// Identifies a programme session (talk, workshop, break …).
    SessionId,
    /// Identifies a speaker of a congress.
    SpeakerId,
    /// Identifies a participant category such as "Presse" or "Kommune".
    CategoryId,
    /// Identifies a custom registration question of a congress.
    QuestionId,
    /// Identifies one participant's registration for a congress.
    RegistrationId,
    /// Identifies a registration's seat (or waitlist place) in a session.
    EnrollmentId,
    /// Identifies an organizer account.
    OrganizerId,
    /// Identifies a published schedule version.
    VersionId,
    /// Identifies a group of parallel slots (e.g. the workshop block of a morning).
    SlotGroupId,
    /// Identifies an API token of a congress (not the secret itself).
    ApiTokenId,
    /// Identifies one private link of a speaker (not its token).
    SpeakerLinkId,
    /// Identifies one email in the outbox.
    OutboxMessageId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_raw_key() {
        for raw in [0_i64, 1, 42, -7, i64::MAX, i64::MIN] {
            assert_eq!(SessionId::from(raw).get(), raw);
            assert_eq!(RoomId::from(raw).to_string(), raw.to_string());
        }
    }

    #[test]
    fn serializes_as_a_bare_number() {
        let cases = [(CongressId::from(3), "3"), (CongressId::from(-12), "-12")];
        for (id, json) in cases {
            assert_eq!(serde_json::to_string(&id).unwrap(), json);
            assert_eq!(serde_json::from_str::<CongressId>(json).unwrap(), id);
        }
    }

    #[test]
    fn orders_by_number() {
        let mut ids: Vec<SpeakerId> = [5, 1, 3].into_iter().map(SpeakerId::from).collect();
        ids.sort();
        assert_eq!(ids, [1, 3, 5].map(SpeakerId::from));
    }

    #[test]
    fn every_id_type_exists() {
        // Compile-time check that the full list was generated.
        let _ = (
            CongressId::from(1),
            RoomId::from(1),
            TrackId::from(1),
            SessionId::from(1),
            SpeakerId::from(1),
            CategoryId::from(1),
            QuestionId::from(1),
            RegistrationId::from(1),
            EnrollmentId::from(1),
            OrganizerId::from(1),
            VersionId::from(1),
            SlotGroupId::from(1),
        );
    }
}
