//! Both backends have the same tables and columns, with the types and nullability that
//! `src/db/schema.rs` (the one schema the code is compiled against) declares.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use kongress::db::DbConnection;

use crate::helpers::{connect, TestDb};

/// table -> column -> (type, nullable)
type Shape = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn declared() -> Shape {
    let src = include_str!("../../src/db/schema.rs");
    let mut shape = Shape::new();
    let mut table: Option<String> = None;
    let mut sql_name: Option<String> = None;
    for line in src.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{') {
            let name = rest.trim().split(' ').next().unwrap_or("");
            if !name.is_empty() && !name.starts_with("diesel::") {
                table = Some(name.to_string());
                shape.entry(name.to_string()).or_default();
            }
        } else if line.starts_with("#[sql_name") {
            sql_name = line.split('"').nth(1).map(str::to_string);
        } else if let (Some(t), Some((col, ty))) = (&table, line.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>').to_string(), true),
                None => (ty.to_string(), false),
            };
            let col = sql_name.take().unwrap_or_else(|| col.to_string());
            shape.get_mut(t).unwrap().insert(col, (ty, nullable));
        } else if line == "}" {
            table = None;
        }
    }
    shape
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = type_)]
    type_: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

fn actual(conn: &mut DbConnection) -> Shape {
    let mut shape = Shape::new();
    match conn {
        DbConnection::Sqlite(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            for t in tables {
                let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
                    "SELECT name, type AS type_, \"notnull\", pk FROM pragma_table_info('{}')",
                    t.name
                ))
                .load(c)
                .unwrap();
                let entry = shape.entry(t.name.clone()).or_default();
                for col in cols {
                    let ty = match col.type_.as_str() {
                        "INTEGER" if col.pk == 1 && !t.name.contains("app_settings") => "BigInt",
                        "INTEGER" => "Integer",
                        "BIGINT" => "BigInt",
                        "TEXT" => "Text",
                        "TIMESTAMP" => "Timestamp",
                        "DATE" => "Date",
                        "BOOLEAN" => "Bool",
                        other => panic!("unexpected SQLite type {other}"),
                    };
                    // A primary key column is never null, whatever the declaration says.
                    entry.insert(col.name, (ty.to_string(), col.notnull == 0 && col.pk == 0));
                }
            }
        }
        DbConnection::Pg(c) => {
            let cols: Vec<PgColumn> = diesel::sql_query(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            for col in cols {
                let ty = match col.data_type.as_str() {
                    "bigint" => "BigInt",
                    "integer" => "Integer",
                    "text" => "Text",
                    "timestamp without time zone" => "Timestamp",
                    "date" => "Date",
                    "boolean" => "Bool",
                    other => panic!("unexpected PostgreSQL type {other}"),
                };
                shape
                    .entry(col.table_name)
                    .or_default()
                    .insert(col.column_name, (ty.to_string(), col.is_nullable == "YES"));
            }
        }
    }
    shape
}

fn migrated(db: &TestDb) -> DbConnection {
    let mut conn = connect(&db.url);
    kongress::db::run_migrations(&mut conn).unwrap();
    conn
}

#[test]
fn schema_rs_matches_the_migrated_database() {
    let declared = declared();
    assert!(declared.len() >= 20, "parsed {} tables", declared.len());
    let db = TestDb::new();
    let mut conn = migrated(&db);
    assert_eq!(
        actual(&mut conn),
        declared,
        "backend of {}",
        if db.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
}

#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let db = TestDb::new();
    if !db.is_postgres() {
        // Without PostgreSQL the SQLite side is still checked against schema.rs above; the
        // CI run with TEST_DATABASE_URL compares the two databases directly.
        eprintln!("TEST_DATABASE_URL not set: comparing SQLite with schema.rs only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = connect(&format!("sqlite://{}", dir.path().join("s.db").display()));
    kongress::db::run_migrations(&mut sqlite).unwrap();
    let mut pg = migrated(&db);
    assert_eq!(actual(&mut sqlite), actual(&mut pg));
}

#[test]
fn migrations_are_idempotent_and_counted() {
    let db = TestDb::new();
    let mut conn = connect(&db.url);
    assert_eq!(kongress::db::run_migrations(&mut conn).unwrap(), 7);
    assert_eq!(kongress::db::run_migrations(&mut conn).unwrap(), 0);
    let _ = BigInt;
}
