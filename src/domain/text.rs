//! What a text sent to the service may hold (issue 13): line ends normalised, characters that
//! only serve to disguise a text removed, and control characters refused.
//!
//! One rule for every input point — form fields, JSON strings, paths, query strings and imported
//! files — so that a value the database, a calendar or a spreadsheet would choke on never gets
//! past the edge.

use std::borrow::Cow;

/// A character a text may not hold, with where it was (counted in characters, from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    pub ch: char,
    pub at: usize,
}

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "control character U+{:04X} at position {}",
            self.ch as u32,
            self.at + 1
        )
    }
}

/// A control character no text may hold: C0 but TAB and LF, DEL, and C1. (CR never gets here:
/// `normalise` turns it into LF first.)
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || c == '\u{2028}' || c == '\u{2029}'
}

/// Characters that change how the text around them is displayed without being visible
/// themselves: bidirectional embeddings, overrides and isolates (which can make
/// "gpj.exe" read "exe.jpg"), the Arabic letter mark, zero-width space, word joiner and byte
/// order mark. Zero-width (non-)joiners are kept: Persian, Indic scripts and emoji need them.
pub fn is_disguise(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// A text as it may be stored: CRLF and lone CR become LF, disguising characters are dropped;
/// `Err` names the first forbidden control character.
pub fn normalise(s: &str) -> Result<Cow<'_, str>, Forbidden> {
    if let Some((at, ch)) = s
        .chars()
        .enumerate()
        .find(|(_, c)| is_forbidden(*c) && *c != '\r')
    {
        return Err(Forbidden { ch, at });
    }
    Ok(clean(s))
}

/// `normalise` without the refusal: forbidden characters are dropped too. For values that are
/// shown back on a form after the refusal (the input kept, minus what cannot be shown).
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| c == '\r' || is_disguise(c) || is_forbidden(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c if is_disguise(c) || is_forbidden(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether a path segment or query value (already percent-decoded) may be used: no control
/// character at all, not even a line end.
pub fn is_clean_line(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn line_ends_become_lf() {
        assert_eq!(normalise("a\r\nb\rc\nd").unwrap(), "a\nb\nc\nd");
        assert_eq!(normalise("Tab\tok").unwrap(), "Tab\tok");
        assert!(matches!(normalise("plain"), Ok(Cow::Borrowed("plain"))));
    }

    #[test]
    fn control_characters_are_refused_with_their_place() {
        assert_eq!(
            normalise("a\0b").unwrap_err(),
            Forbidden { ch: '\0', at: 1 }
        );
        for c in [
            '\u{1}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', '\u{2028}',
        ] {
            assert!(normalise(&format!("x{c}")).is_err(), "{:?}", c);
        }
        assert_eq!(
            normalise("Jürgen\u{0}").unwrap_err().to_string(),
            "control character U+0000 at position 7"
        );
    }

    #[test]
    fn disguises_are_dropped_joiners_kept() {
        assert_eq!(normalise("gpj\u{202E}.exe").unwrap(), "gpj.exe");
        assert_eq!(normalise("\u{FEFF}Anna\u{200B}").unwrap(), "Anna");
        assert_eq!(normalise("\u{2067}x\u{2069}").unwrap(), "x");
        assert_eq!(normalise("می‌خواهم").unwrap(), "می‌خواهم");
        assert_eq!(normalise("👩‍💻").unwrap(), "👩‍💻");
    }

    #[test]
    fn clean_drops_what_normalise_refuses() {
        assert_eq!(clean("a\0b\r\n\u{202E}c"), "ab\nc");
    }

    #[test]
    fn lines_hold_no_control_character() {
        assert!(is_clean_line("Smart City / Köln"));
        assert!(!is_clean_line("/admin\r\nSet-Cookie: x"));
        assert!(!is_clean_line("a\tb"));
        assert!(!is_clean_line("a\0"));
    }

    proptest! {
        #[test]
        fn a_normalised_text_holds_nothing_forbidden(s in "\\PC*|[\\x00-\\x7f\\u{80}-\\u{9f}\\u{2028}\\u{202a}-\\u{202e}]*") {
            match normalise(&s) {
                Ok(t) => {
                    prop_assert!(!t.chars().any(|c| is_forbidden(c) || is_disguise(c) || c == '\r'));
                    // Normalising twice changes nothing.
                    prop_assert_eq!(normalise(&t).unwrap(), t.clone());
                }
                Err(f) => prop_assert!(is_forbidden(f.ch)),
            }
            let c = clean(&s);
            prop_assert!(normalise(&c).is_ok());
        }
    }
}
