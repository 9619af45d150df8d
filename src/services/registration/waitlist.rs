//! Who moves up when a place or a seat frees (SPEC §2 rule 2), in the domain's waitlist order.

use super::*;

/// Waitlist position of an enrollment (1-based), counting only people ahead in the queue.
pub fn waitlist_position(
    conn: &mut DbConnection,
    session: i64,
    position: i64,
    id: i64,
) -> QueryResult<i64> {
    let ahead: i64 = enrollments::table
        .filter(enrollments::session_id.eq(session))
        .filter(enrollments::status.eq("waitlisted"))
        .filter(
            enrollments::position.lt(position).or(enrollments::position
                .eq(position)
                .and(enrollments::id.lt(id))),
        )
        .count()
        .get_result(conn)?;
    Ok(ahead + 1)
}

/// Moves the first waitlisted people of a session into free seats, in FIFO order, and emails them.
pub fn promote_workshop_waitlist(
    conn: &mut DbConnection,
    ctx: &MailContext,
    session: i64,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let mut promoted = 0;
    loop {
        let next: Option<(i64, i64)> = enrollments::table
            .filter(enrollments::session_id.eq(session))
            .filter(enrollments::status.eq("waitlisted"))
            .order((enrollments::position, enrollments::id))
            .select((enrollments::id, enrollments::registration_id))
            .first(conn)
            .optional()?;
        let Some((id, reg)) = next else {
            return Ok(promoted);
        };
        if !take_seat(conn, session)? {
            return Ok(promoted);
        }
        diesel::update(enrollments::table.find(id))
            .set((
                enrollments::status.eq("enrolled"),
                enrollments::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(
            sessions::table
                .find(session)
                .filter(sessions::waitlisted_count.gt(0)),
        )
        .set(sessions::waitlisted_count.eq(sessions::waitlisted_count - 1))
        .execute(conn)?;
        promoted += 1;
        let r = load(conn, reg)?;
        let title: String = sessions::table
            .find(session)
            .select(sessions::title)
            .first(conn)?;
        let lang = lang_of(&r);
        let congress = congress_title(conn, r.congress_id)?;
        let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, &r));
        let name = format!("{} {}", r.first_name, r.last_name);
        let c = compose::compose(
            "enrollment-promoted",
            lang,
            &compose::WordsIn {
                lang: lang.code(),
                name: &name,
                congress: &congress,
                detail: &title,
            },
            &link,
            &[],
            &[],
        )
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        outbox::enqueue(
            conn,
            &Email::composed(
                Some(r.congress_id),
                "enrollment-promoted",
                format!(
                    "enrollment-promoted:{id}:{}",
                    now.and_utc().timestamp_micros()
                ),
                &r.email,
                lang,
                c,
            ),
            &ctx.id_domain,
        )?;
        audit::record(
            conn,
            Actor::System,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "enrollment.promoted",
                entity: "enrollment",
                entity_id: Some(id),
                before: Some(serde_json::json!({ "status": "waitlisted" })),
                after: Some(serde_json::json!({ "status": "enrolled" })),
            },
        )?;
    }
}

/// Moves waitlisted registrations into free congress places, first confirmed first.
pub fn promote_congress_waitlist(
    conn: &mut DbConnection,
    ctx: &MailContext,
    congress: i64,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let waiting: Vec<i64> = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .filter(registrations::status.eq("waitlisted"))
        .order((registrations::confirmed_at.asc(), registrations::id))
        .select(registrations::id)
        .load(conn)?;
    let mut promoted = 0;
    for id in waiting {
        let r = load(conn, id)?;
        match take_place(conn, congress, r.category_id)? {
            Admission::Confirm => {
                apply(
                    conn,
                    ctx,
                    &r,
                    &RegistrationEvent::Promoted,
                    Actor::System,
                    now,
                )?;
                promoted += 1;
            }
            Admission::Waitlist(WaitlistReason::CongressFull) => break,
            Admission::Waitlist(WaitlistReason::CategoryFull) => continue,
        }
    }
    Ok(promoted)
}

/// An organizer moves people up from a workshop's waitlist into free seats (after raising the
/// capacity, say); with no free seat it changes nothing. Returns how many moved up.
pub fn organizer_promote(
    conn: &mut DbConnection,
    ctx: &MailContext,
    congress: i64,
    session: i64,
    organizer: i64,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    write_transaction(conn, |conn| {
        let status: String = sessions::table
            .filter(sessions::id.eq(session))
            .filter(sessions::congress_id.eq(congress))
            .filter(sessions::capacity.is_not_null())
            .select(sessions::status)
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        if status != "scheduled" {
            return Err(ServiceError::Conflict(format!(
                "session {session} is {status}"
            )));
        }
        let promoted = promote_workshop_waitlist(conn, ctx, session, now)?;
        audit::record(
            conn,
            Actor::Organizer(organizer),
            AuditEvent {
                congress_id: Some(congress),
                kind: "session.waitlist_promoted",
                entity: "session",
                entity_id: Some(session),
                before: None,
                after: Some(serde_json::json!({ "promoted": promoted })),
            },
        )?;
        Ok(promoted)
    })
}
