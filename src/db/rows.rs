//! Row types: what the tables hold, as diesel reads and writes it. Conversions into domain
//! types happen in services.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::*;
use crate::domain::programme::{CongressStatus, SessionKind, SessionStatus};
use crate::domain::registration::RegistrationStatus;
use crate::domain::CongressId;
use crate::domain::OrganizerId;
use crate::domain::RoomId;
use crate::domain::SessionId;
use crate::domain::SlotGroupId;
use crate::domain::SpeakerId;
use crate::domain::TrackId;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = congresses)]
pub struct Congress {
    pub id: crate::domain::ids::CongressId,
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub venue_name: String,
    pub venue_address: String,
    pub time_zone: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub languages: String,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
    pub capacity: Option<i32>,
    pub confirmed_count: i32,
    pub status: CongressStatus,
    pub guid: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Days after the last congress day until registrations are anonymised.
    pub retention_days: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = congresses)]
pub struct NewCongress<'a> {
    pub slug: &'a crate::domain::Slug,
    pub title: &'a str,
    pub subtitle: &'a str,
    pub description: &'a str,
    pub venue_name: &'a str,
    pub venue_address: &'a str,
    pub time_zone: &'a str,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub languages: &'a str,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
    pub capacity: Option<i32>,
    pub status: CongressStatus,
    pub guid: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = congress_days)]
pub struct CongressDay {
    pub id: i64,
    pub congress_id: CongressId,
    pub day: NaiveDate,
    pub label: String,
    pub label_en: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = congress_days)]
pub struct NewCongressDay<'a> {
    pub congress_id: CongressId,
    pub day: NaiveDate,
    pub label: &'a str,
    pub label_en: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rooms)]
pub struct Room {
    pub id: crate::domain::RoomId,
    pub congress_id: CongressId,
    pub name: String,
    pub capacity: Option<i32>,
    pub accessibility_note: String,
    pub position: i32,
    pub guid: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rooms)]
pub struct NewRoom<'a> {
    pub congress_id: CongressId,
    pub name: &'a str,
    pub capacity: Option<i32>,
    pub accessibility_note: &'a str,
    pub position: i32,
    pub guid: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tracks)]
pub struct Track {
    pub id: crate::domain::TrackId,
    pub congress_id: CongressId,
    pub name: String,
    pub colour: String,
    pub position: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tracks)]
pub struct NewTrack<'a> {
    pub congress_id: CongressId,
    pub name: &'a str,
    pub colour: &'a str,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: crate::domain::SessionId,
    pub congress_id: CongressId,
    pub guid: String,
    pub title: String,
    pub subtitle: String,
    pub abstract_: String,
    pub description: String,
    pub kind: SessionKind,
    pub language: String,
    pub track_id: Option<TrackId>,
    pub room_id: Option<RoomId>,
    pub slot_group_id: Option<SlotGroupId>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub status: SessionStatus,
    pub capacity: Option<i32>,
    pub enrolled_count: i32,
    pub waitlisted_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub congress_id: CongressId,
    pub guid: &'a str,
    pub title: &'a str,
    pub subtitle: &'a str,
    pub abstract_: &'a str,
    pub description: &'a str,
    pub kind: SessionKind,
    pub language: &'a str,
    pub track_id: Option<TrackId>,
    pub room_id: Option<RoomId>,
    pub slot_group_id: Option<SlotGroupId>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub status: SessionStatus,
    pub capacity: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = speakers)]
pub struct Speaker {
    pub id: crate::domain::SpeakerId,
    pub congress_id: CongressId,
    pub guid: String,
    pub name: String,
    pub organization: String,
    pub position: String,
    pub bio: String,
    pub email: Option<String>,
    pub last_seen_version: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = speakers)]
pub struct NewSpeaker<'a> {
    pub congress_id: CongressId,
    pub guid: &'a str,
    pub name: &'a str,
    pub organization: &'a str,
    pub position: &'a str,
    pub bio: &'a str,
    pub email: Option<&'a crate::domain::EmailAddress>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_speakers)]
pub struct SessionSpeaker {
    pub session_id: SessionId,
    pub speaker_id: SpeakerId,
    pub role: String,
    pub position: i32,
    pub confirmation: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub congress_id: CongressId,
    pub name: &'a str,
    pub quota: Option<i32>,
    pub needs_approval: bool,
    pub priority: i32,
    pub position: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = slot_groups)]
pub struct NewSlotGroup<'a> {
    pub congress_id: CongressId,
    pub name: &'a str,
    pub allocation_mode: &'a str,
    pub rank_depth: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schedule_versions)]
pub struct ScheduleVersion {
    pub id: i64,
    pub congress_id: CongressId,
    pub number: i32,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i64>,
    pub changelog: String,
    pub snapshot: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = schedule_versions)]
pub struct NewScheduleVersion<'a> {
    pub congress_id: CongressId,
    pub number: i32,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i64>,
    pub changelog: &'a str,
    pub snapshot: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizers)]
pub struct Organizer {
    pub id: crate::domain::OrganizerId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    /// Moved on by a logout: sessions of an earlier epoch are over.
    pub session_epoch: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organizers)]
pub struct NewOrganizer<'a> {
    pub email: &'a crate::domain::EmailAddress,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub congress_id: Option<CongressId>,
    pub organizer_id: Option<OrganizerId>,
    pub actor: &'a str,
    pub kind: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub before_value: Option<&'a str>,
    pub after_value: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registrations)]
pub struct Registration {
    pub id: crate::domain::RegistrationId,
    pub congress_id: CongressId,
    pub category_id: crate::domain::CategoryId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organization: String,
    pub position: String,
    pub days_attending: String,
    pub dietary_needs: String,
    pub accessibility_needs: String,
    pub language: String,
    pub consent_privacy_at: NaiveDateTime,
    pub consent_public_listing: bool,
    pub status: RegistrationStatus,
    pub manage_token_hash: String,
    pub confirm_token_hash: Option<String>,
    pub confirm_expires_at: Option<NaiveDateTime>,
    pub checkin_token_hash: String,
    pub checked_in_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Raised by every status change (compare-and-set); names the change in mail keys.
    pub state_version: i64,
    /// When the person's data was removed under the retention rule.
    pub anonymised_at: Option<NaiveDateTime>,
}
