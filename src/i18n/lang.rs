//! The languages of the interface (German first, English second) and how a request picks one.

use serde::Serialize;

/// The languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::De, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or("");
        match primary {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best match of an `Accept-Language` header, honouring q-values; German when none fits.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _, _)| q > bq) {
                    best = Some((q, i, lang));
                }
            }
        }
        best.map(|(_, _, l)| l).unwrap_or(Lang::De)
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    /// "Mittwoch, 20. Januar 2027" / "Wednesday, 20 January 2027".
    /// A count in this language's digit grouping: "1.234" / "1,234".
    pub fn count(self, n: usize) -> String {
        let digits = n.to_string();
        let sep = match self {
            Lang::De => '.',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    /// The end of a list cut short: "und 1.234 weitere" / "and 1,234 more".
    pub fn and_more(self, n: usize) -> String {
        match self {
            Lang::De => format!("und {} weitere", self.count(n)),
            Lang::En => format!("and {} more", self.count(n)),
        }
    }
}
