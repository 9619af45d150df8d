//! Small reads that several services share (a congress's days, its registration questions):
//! kept here, below the services, so that no service has to call another one upward for them.

use diesel::prelude::*;

use super::rows;
use super::schema::{congress_days, questions};
use super::DbConnection;
use crate::domain::CongressId;

/// The day rows of a congress in order.
pub fn days(
    conn: &mut DbConnection,
    id: crate::domain::CongressId,
) -> QueryResult<Vec<rows::CongressDay>> {
    congress_days::table
        .filter(congress_days::congress_id.eq(id))
        .order(congress_days::day)
        .select(rows::CongressDay::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct QuestionRow {
    pub id: crate::domain::QuestionId,
    pub label: String,
    pub kind: String,
    pub options: String,
    pub required: bool,
    pub position: i32,
}

impl QuestionRow {
    /// The choices, one per entry (stored as a JSON array).
    pub fn choices(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }
}

pub fn questions_of(
    conn: &mut DbConnection,
    congress: CongressId,
) -> QueryResult<Vec<QuestionRow>> {
    questions::table
        .filter(questions::congress_id.eq(congress))
        .order((questions::position, questions::id))
        .select((
            questions::id,
            questions::label,
            questions::kind,
            questions::options,
            questions::required,
            questions::position,
        ))
        .load(conn)
}
