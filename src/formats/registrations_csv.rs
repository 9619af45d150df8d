//! The registrations export as CSV (SPEC §6): UTF-8 with a header row of stable column names,
//! one column per registration question, cells defused against spreadsheet formulas. The back
//! office (`/admin/{slug}/registrations.csv`) and the API serve the same bytes.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::db::rows;

/// A registration as a row of the export.
pub struct ExportRow {
    pub registration: rows::Registration,
    pub category: String,
    /// Titles of the workshops with a seat, in programme order.
    pub workshops: Vec<String>,
    /// Titles of the workshops waited for.
    pub waitlists: Vec<String>,
    /// question id → answer
    pub answers: HashMap<i64, String>,
}

/// Everything the CSV export holds.
pub struct Export {
    /// (question id, label), one column each.
    pub questions: Vec<(i64, String)>,
    pub rows: Vec<ExportRow>,
}

/// A cell as typed by a participant, made safe for spreadsheets (the OWASP rule): a value
/// whose first character — after NFKC normalisation, so that a full-width `＝` counts as `=`,
/// and after leading spaces — is `=`, `+`, `-`, `@`, a tab or a carriage return would make
/// Excel or LibreOffice run it as a formula, so such a cell starts with an apostrophe. A
/// formula after a delimiter (`veg;=1+1`) stays inside its cell because every cell is quoted
/// (`write`), for the comma and the semicolon dialect alike.
fn cell(value: &str) -> String {
    let folded = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(value);
    match folded.trim_start_matches(' ').chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// The export as CSV: UTF-8 with a byte-order mark (so spreadsheet programs detect UTF-8), a
/// header row of stable column names, then one column per registration question.
pub fn write(x: &Export, tz: Tz) -> Result<Vec<u8>, ::csv::Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        // Every cell quoted: German Excel splits on `;` even in a comma-separated file, and
        // only quotes keep a `;` inside its cell.
        let mut w = ::csv::WriterBuilder::new()
            .quote_style(::csv::QuoteStyle::Always)
            .from_writer(&mut out);
        let mut head: Vec<String> = [
            "id",
            "status",
            "category",
            "first_name",
            "last_name",
            "email",
            "organization",
            "position",
            "days",
            "dietary",
            "accessibility",
            "public_listing",
            "confirmed_at",
            "checked_in_at",
            "workshops",
            "waitlists",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        head.extend(x.questions.iter().map(|(_, label)| cell(label)));
        w.write_record(&head)?;
        let time = |t: &Option<NaiveDateTime>| {
            t.as_ref()
                .map(|t| {
                    t.and_utc()
                        .with_timezone(&tz)
                        .format("%Y-%m-%dT%H:%M:%S%:z")
                        .to_string()
                })
                .unwrap_or_default()
        };
        for row in &x.rows {
            let r = &row.registration;
            let mut rec = vec![
                r.id.to_string(),
                r.status.to_string(),
                cell(&row.category),
                cell(&r.first_name),
                cell(&r.last_name),
                cell(&r.email),
                cell(&r.organization),
                cell(&r.position),
                r.days_attending.replace(',', "; "),
                cell(&r.dietary_needs),
                cell(&r.accessibility_needs),
                if r.consent_public_listing {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
                time(&r.confirmed_at),
                time(&r.checked_in_at),
                cell(&row.workshops.join("; ")),
                cell(&row.waitlists.join("; ")),
            ];
            for (q, _) in &x.questions {
                rec.push(cell(
                    &row.answers
                        .get(q)
                        .map(|v| v.lines().collect::<Vec<_>>().join("; "))
                        .unwrap_or_default(),
                ));
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+49 89 1234"), "'+49 89 1234");
        assert_eq!(cell("Stadt München"), "Stadt München");
        assert_eq!(cell(""), "");
        assert_eq!(
            cell("\u{FF1D}1+1"),
            "'\u{FF1D}1+1",
            "full-width equals sign"
        );
        assert_eq!(cell("  =1+1"), "'  =1+1");
        assert_eq!(cell("\u{FE6B}x"), "'\u{FE6B}x", "small commercial at");
        assert_eq!(cell("-5"), "'-5");
    }

    #[test]
    fn a_formula_after_a_delimiter_stays_in_its_cell() {
        let mut out = vec![];
        {
            let mut w = ::csv::WriterBuilder::new()
                .quote_style(::csv::QuoteStyle::Always)
                .from_writer(&mut out);
            w.write_record([cell("veg;=1+1;"), cell("a,=2")]).unwrap();
        }
        let line = String::from_utf8(out).unwrap();
        assert_eq!(line, "\"veg;=1+1;\",\"a,=2\"\n");
        // Read in the semicolon dialect, as German Excel does, the formula is still inside a
        // quoted cell.
        let mut r = ::csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .from_reader(line.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert!(rec.iter().all(|c| !c.starts_with('=')), "{rec:?}");
    }

    proptest::proptest! {
        #[test]
        fn no_cell_starts_a_formula(v in "\\PC*") {
            let c = cell(&v);
            let folded = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(&c);
            let first = folded.trim_start_matches(' ').chars().next();
            proptest::prop_assert!(!matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')));
        }
    }
}
