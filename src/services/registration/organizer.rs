//! What an organizer does to one registration's place: promote it from the congress waiting
//! list (quotas respected unless overridden, which is audited) and change its category (the
//! new category's quota checked, the old one's place given to the next in line).

use super::*;
use crate::domain::OrganizerId;

/// Why a promotion or a category change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceRefused {
    /// The congress or the category has no place left (and no override was given).
    Full(WaitlistReason),
    /// Not on the congress waiting list (any more): nothing to promote.
    NotWaiting,
}

/// Promotes a registration from the congress waiting list. Without `override_limits` it takes
/// a place like any promotion (congress capacity and category quota); with it the full limit
/// is raised by one for the person, and the audit log says so. A repeat finds it confirmed and
/// changes nothing.
pub fn promote_registration(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    id: RegistrationId,
    override_limits: bool,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<Result<(), PlaceRefused>, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_in_locked(conn, congress, id)?;
        if r.status != RegistrationStatus::Waitlisted {
            return Ok(Err(PlaceRefused::NotWaiting));
        }
        // The limits are the database's (a CHECK keeps every count within its capacity and
        // quota), so going beyond them means raising them by one, on the organizer's word.
        let mut raised = vec![];
        loop {
            match take_place(conn, congress, r.category_id)? {
                Admission::Confirm => break,
                Admission::Waitlist(reason) if !override_limits || raised.contains(&reason) => {
                    return Ok(Err(PlaceRefused::Full(reason)))
                }
                Admission::Waitlist(reason) => {
                    match reason {
                        WaitlistReason::CongressFull => diesel::update(
                            congresses::table
                                .find(congress)
                                .filter(congresses::capacity.is_not_null()),
                        )
                        .set(congresses::capacity.eq(congresses::capacity + 1))
                        .execute(conn)?,
                        WaitlistReason::CategoryFull => diesel::update(
                            categories::table
                                .find(r.category_id)
                                .filter(categories::quota.is_not_null()),
                        )
                        .set(categories::quota.eq(categories::quota + 1))
                        .execute(conn)?,
                    };
                    raised.push(reason);
                }
            }
        }
        if !raised.is_empty() {
            let what: Vec<&str> = raised
                .iter()
                .map(|r| match r {
                    WaitlistReason::CongressFull => "congress capacity",
                    WaitlistReason::CategoryFull => "category quota",
                })
                .collect();
            audit::record(
                conn,
                Actor::Organizer(organizer),
                AuditEvent {
                    congress_id: Some(congress),
                    kind: "registration.limits_overridden",
                    entity: "registration",
                    entity_id: Some(id.get()),
                    before: None,
                    after: Some(serde_json::json!({ "raised_by_one": what })),
                },
            )?;
        }
        apply(
            conn,
            ctx,
            &r,
            &RegistrationEvent::Promoted,
            Actor::Organizer(organizer),
            now,
        )?;
        Ok(Ok(()))
    })
}

/// Moves a registration to another category of the congress. A registration that holds a
/// place needs room in the new category's quota (refused otherwise, nothing changed); the place
/// it frees in the old one goes to the next in line. A waiting registration may find room in
/// its new category at once.
pub fn change_category(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    id: RegistrationId,
    category: CategoryId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<Result<(), PlaceRefused>, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_in_locked(conn, congress, id)?;
        let known: i64 = categories::table
            .filter(categories::id.eq(category))
            .filter(categories::congress_id.eq(congress))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(ServiceError::invalid("category", "unknown"));
        }
        if r.category_id == category {
            return Ok(Ok(()));
        }
        let holds = crate::domain::registration::holds_place(r.status);
        if holds {
            if !super::seats::take_quota(conn, category)? {
                return Ok(Err(PlaceRefused::Full(WaitlistReason::CategoryFull)));
            }
            diesel::update(
                categories::table
                    .find(r.category_id)
                    .filter(categories::confirmed_count.gt(0)),
            )
            .set(categories::confirmed_count.eq(categories::confirmed_count - 1))
            .execute(conn)?;
        }
        let changed = diesel::update(
            registrations::table
                .find(id)
                .filter(registrations::state_version.eq(r.state_version)),
        )
        .set((
            registrations::category_id.eq(category),
            registrations::state_version.eq(r.state_version + 1),
            registrations::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(ServiceError::Conflict(
                "registration changed meanwhile".into(),
            ));
        }
        audit::record(
            conn,
            Actor::Organizer(organizer),
            AuditEvent {
                congress_id: Some(congress),
                kind: "registration.category",
                entity: "registration",
                entity_id: Some(id.get()),
                before: Some(serde_json::json!({ "category_id": r.category_id })),
                after: Some(serde_json::json!({ "category_id": category })),
            },
        )?;
        // A place freed in the old category, or room in the new one for a waiting person.
        promote_congress_waitlist(conn, ctx, congress, now)?;
        Ok(Ok(()))
    })
}
