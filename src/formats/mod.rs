//! Open formats: what the service writes for other programs to read, and the schedule files
//! it reads back. One file per format; nothing here touches the database.
//!
//! The schedule exports of a published version form a registry: each is a [`ScheduleFormat`]
//! (extension, content type, renderer) in [`SCHEDULE_FORMATS`], served at
//! `/{slug}/schedule.{ext}` and rendered once per version. A new export format is one file
//! here with its `FORMAT` and one line in that list.

pub mod frab_json;
pub mod frab_xml;
pub mod ical;
pub mod kongress_meta;
pub mod registrations_csv;
pub mod schedule;
pub mod schedule_import;

use bytes::Bytes;

use crate::domain::published::{ExportCache, PublishedProgramme};

/// One export of a published programme.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleFormat {
    /// The file extension in `/{slug}/schedule.{ext}`.
    pub ext: &'static str,
    pub content_type: &'static str,
    /// The document for a version and the instance's public base URL.
    pub render: fn(&PublishedProgramme, &str) -> String,
}

/// Every schedule export, in the order the programme page lists them.
pub const SCHEDULE_FORMATS: &[ScheduleFormat] =
    &[frab_xml::FORMAT, frab_json::FORMAT, ical::FORMAT];

const _: () = assert!(SCHEDULE_FORMATS.len() <= ExportCache::CELLS);

/// The schedule export with this extension (`xml`, `json`, `ics`).
pub fn schedule_format(ext: &str) -> Option<(usize, &'static ScheduleFormat)> {
    SCHEDULE_FORMATS
        .iter()
        .enumerate()
        .find(|(_, f)| f.ext == ext)
}

/// The export `index` of [`SCHEDULE_FORMATS`] for a version, rendered on first use and kept
/// with the version (the base URL is fixed for an instance).
pub fn rendered(p: &PublishedProgramme, index: usize, base_url: &str) -> Bytes {
    let format = &SCHEDULE_FORMATS[index];
    p.exports
        .get_or_render(index, || (format.render)(p, base_url).into_bytes().into())
}
