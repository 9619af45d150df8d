//! A person correcting their details on the private page: stored as a compare-and-set on the
//! registration's version, audited with the names of the fields changed (not their values).

use super::*;
use crate::domain::profile::Profile;

/// The stored details of a registration.
pub fn profile_of(r: &rows::Registration) -> Profile {
    Profile {
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        organization: r.organization.clone(),
        position: r.position.clone(),
        dietary: r.dietary_needs.clone(),
        accessibility: r.accessibility_needs.clone(),
    }
}

/// Stores `p` (already normalized) for a live registration; returns the fields changed.
/// Cancelled, expired and anonymised registrations refuse with `Conflict`.
pub fn update_profile(
    conn: &mut DbConnection,
    id: RegistrationId,
    p: &Profile,
    now: NaiveDateTime,
) -> Result<Vec<&'static str>, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        if matches!(
            r.status,
            RegistrationStatus::Cancelled | RegistrationStatus::Expired
        ) || r.anonymised_at.is_some()
        {
            return Err(ServiceError::Conflict("not active".into()));
        }
        let changed = p.changed_from(&profile_of(&r));
        if changed.is_empty() {
            return Ok(changed);
        }
        let n = diesel::update(
            registrations::table
                .find(id)
                .filter(registrations::state_version.eq(r.state_version)),
        )
        .set((
            registrations::first_name.eq(&p.first_name),
            registrations::last_name.eq(&p.last_name),
            registrations::organization.eq(&p.organization),
            registrations::position.eq(&p.position),
            registrations::dietary_needs.eq(&p.dietary),
            registrations::accessibility_needs.eq(&p.accessibility),
            registrations::state_version.eq(r.state_version + 1),
            registrations::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "registration changed meanwhile".into(),
            ));
        }
        audit::record(
            conn,
            Actor::Participant,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "registration.profile",
                entity: "registration",
                entity_id: Some(id.get()),
                before: None,
                after: Some(serde_json::json!({ "fields": changed })),
            },
        )?;
        Ok(changed)
    })
}
