//! The status and kind enums of `domain`, and its parsed text values, as diesel values: bound as and read from the `TEXT`
//! columns that hold their stored names, on every backend (SQLite, PostgreSQL and the
//! MultiConnection over both). Rows, inserts and filters carry the enum, so a misspelt status
//! is a compile error rather than a query that silently matches nothing.
//!
//! The impls live here, not as derives on the types, because `domain/` imports no diesel
//! (STYLE.md). Writing delegates to `str`'s impl with the enum's `as_str`; reading parses with
//! its `parse` and fails the row on a name it never writes (the migrations' CHECK constraints
//! hold the same names).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
// What `#[derive(AsExpression)]` itself expands to; the derive cannot be used because the types
// live in `domain/`. Binding the enum (not a `&'static str`) keeps inserts of rows that also
// borrow `&'a str` fields well-typed.
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::enrollment::EnrollmentStatus;
use crate::domain::programme::{CongressStatus, SessionKind, SessionStatus};
use crate::domain::registration::RegistrationStatus;
use crate::domain::{EmailAddress, Slug};

macro_rules! diesel_text_enum {
    ($($name:ident),+ $(,)?) => {
        $(
            impl AsExpression<Text> for $name {
                type Expression = Bound<Text, $name>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl<'a> AsExpression<Text> for &'a $name {
                type Expression = Bound<Text, &'a $name>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl<DB> ToSql<Text, DB> for $name
            where
                DB: Backend,
                str: ToSql<Text, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    ToSql::<Text, DB>::to_sql(self.as_str(), out)
                }
            }

            impl<DB> FromSql<Text, DB> for $name
            where
                DB: Backend,
                String: FromSql<Text, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                    let stored = String::from_sql(bytes)?;
                    $name::parse(&stored).ok_or_else(|| {
                        format!(concat!("unknown ", stringify!($name), " {:?}"), stored).into()
                    })
                }
            }

            impl<DB> Queryable<Text, DB> for $name
            where
                DB: Backend,
                String: FromSql<Text, DB>,
            {
                type Row = String;
                fn build(stored: String) -> deserialize::Result<Self> {
                    $name::parse(&stored).ok_or_else(|| {
                        format!(concat!("unknown ", stringify!($name), " {:?}"), stored).into()
                    })
                }
            }
        )+
    };
}

diesel_text_enum! {
    RegistrationStatus, EnrollmentStatus, SessionStatus, CongressStatus, SessionKind,
}

/// Parsed text values (`EmailAddress`, `Slug`) bound as `TEXT` (and nullable `TEXT`) on the
/// way in, so an insert or update takes the value that passed its checks, not a string that
/// might not have. Reading gives back the stored `String`: rows written before a check was
/// tightened must still load.
macro_rules! diesel_text_value {
    ($($name:ident),+ $(,)?) => {
        $(
            impl<'a> AsExpression<Text> for &'a $name {
                type Expression = Bound<Text, &'a $name>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl<'a> AsExpression<Nullable<Text>> for &'a $name {
                type Expression = Bound<Nullable<Text>, &'a $name>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl<DB> ToSql<Text, DB> for $name
            where
                DB: Backend,
                str: ToSql<Text, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    ToSql::<Text, DB>::to_sql(self.as_str(), out)
                }
            }

            impl<DB> ToSql<Nullable<Text>, DB> for $name
            where
                DB: Backend,
                str: ToSql<Text, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    ToSql::<Text, DB>::to_sql(self.as_str(), out)
                }
            }
        )+
    };
}

diesel_text_value! { EmailAddress, Slug }

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    diesel::table! {
        t (id) {
            id -> BigInt,
            status -> Text,
        }
    }

    /// Every stored name goes in and comes back as the same variant; an unknown name fails the
    /// row instead of reading as some status.
    #[test]
    fn text_enums_round_trip_and_refuse_unknown_names() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE t (id BIGINT PRIMARY KEY, status TEXT NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        for (i, status) in SessionStatus::ALL.into_iter().enumerate() {
            diesel::insert_into(t::table)
                .values((t::id.eq(i as i64), t::status.eq(status)))
                .execute(&mut conn)
                .unwrap();
        }
        let back: Vec<SessionStatus> = t::table
            .order(t::id)
            .select(t::status)
            .load(&mut conn)
            .unwrap();
        assert_eq!(back, SessionStatus::ALL.to_vec());
        let scheduled: i64 = t::table
            .filter(t::status.eq(SessionStatus::Scheduled))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(scheduled, 1);
        diesel::sql_query("INSERT INTO t VALUES (9, 'tentative')")
            .execute(&mut conn)
            .unwrap();
        let bad = t::table
            .filter(t::id.eq(9))
            .select(t::status)
            .first::<SessionStatus>(&mut conn);
        assert!(bad.is_err(), "an unknown stored name must not parse");
    }
}
