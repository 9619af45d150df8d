//! kongress: conference management for multi-day congresses — programme, registration,
//! workshop seats, speakers. One crate: this library and the `kongress` binary.

pub mod app;
pub mod config;
pub mod db;
pub mod domain;
pub mod formats;
pub mod i18n;
pub mod mail;
pub mod services;
pub mod startup;
pub mod web;
