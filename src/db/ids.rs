//! The id newtypes of `domain::ids` as diesel values: bound as `BIGINT` and read back from
//! `BIGINT` columns on every backend (SQLite, PostgreSQL and the MultiConnection over both),
//! so rows, inserts and filters carry the typed id from the database to the handler.
//!
//! The impls live here, not as derives on the types, because `domain/` imports no diesel
//! (STYLE.md). Each one delegates to `i64`'s own impl, so a typed id is bound and read exactly
//! like the raw key it wraps.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Nullable};

use crate::domain::ids::*;

macro_rules! diesel_id {
    ($($name:ident),+ $(,)?) => {
        $(
            impl AsExpression<BigInt> for $name {
                type Expression = <i64 as AsExpression<BigInt>>::Expression;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<BigInt>::as_expression(self.get())
                }
            }

            impl AsExpression<BigInt> for &$name {
                type Expression = <i64 as AsExpression<BigInt>>::Expression;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<BigInt>::as_expression(self.get())
                }
            }

            impl AsExpression<Nullable<BigInt>> for $name {
                type Expression = <i64 as AsExpression<Nullable<BigInt>>>::Expression;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Nullable<BigInt>>::as_expression(self.get())
                }
            }

            impl AsExpression<Nullable<BigInt>> for &$name {
                type Expression = <i64 as AsExpression<Nullable<BigInt>>>::Expression;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Nullable<BigInt>>::as_expression(self.get())
                }
            }

            impl<DB> ToSql<BigInt, DB> for $name
            where
                DB: Backend,
                i64: ToSql<BigInt, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    self.as_raw().to_sql(out)
                }
            }

            /// For `eq_any` on a nullable column (`sessions.slot_group_id`).
            impl<DB> ToSql<Nullable<BigInt>, DB> for $name
            where
                DB: Backend,
                i64: ToSql<Nullable<BigInt>, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    ToSql::<Nullable<BigInt>, DB>::to_sql(self.as_raw(), out)
                }
            }

            impl<DB> FromSql<BigInt, DB> for $name
            where
                DB: Backend,
                i64: FromSql<BigInt, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                    i64::from_sql(bytes).map($name::from)
                }
            }

            impl<DB> Queryable<BigInt, DB> for $name
            where
                DB: Backend,
                i64: FromSql<BigInt, DB>,
            {
                type Row = i64;
                fn build(row: i64) -> deserialize::Result<Self> {
                    Ok($name::from(row))
                }
            }
        )+
    };
}

diesel_id! {
    CongressId, RoomId, TrackId, SessionId, SpeakerId, CategoryId, QuestionId,
    RegistrationId, EnrollmentId, OrganizerId, VersionId, SlotGroupId, ApiTokenId,
    SpeakerLinkId, OutboxMessageId,
}
