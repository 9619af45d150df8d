//! One integration binary: each test spawns the real server on port 0 against its own fresh
//! database — a SQLite file in a temp dir, or, when TEST_DATABASE_URL=postgres://… is set, a
//! new PostgreSQL database with a random name that is dropped afterwards.

mod helpers;
mod import;
pub mod smtp;

mod admin;
mod allocation;
mod api;
mod backoffice;
mod blocks;
pub mod cli;
pub mod formats;
mod fuzz;
mod grid;
mod hardening;
mod health;
mod hostile;
mod mail_attachments;
mod mail_lease;
mod people;
mod private_page;
mod programme;
mod public_pages;
mod races;
mod registration;
mod retention;
mod routes;
pub mod schedule_check;
mod schema;
mod speakers;
