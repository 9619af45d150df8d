//! Congress slugs: the first path segment of every public URL (`/{slug}/programme`).

use std::fmt;

/// Path segments the application itself routes at the top level, or that browsers and crawlers
/// request by convention. A congress with one of these slugs would shadow a route or be
/// shadowed by it, so they can never be chosen.
pub const RESERVED_SLUGS: &[&str] = &[
    "about",
    "account",
    "admin",
    "api",
    "assets",
    "favicon.ico",
    "healthz",
    "help",
    "login",
    "logout",
    "new",
    "r",
    "robots.txt",
    "settings",
    "speaker",
    "static",
];

const MIN_LEN: usize = 2;
const MAX_LEN: usize = 40;

/// A congress slug that is known to be usable in URLs and not to collide with a route.
///
/// Only [`Slug::parse`] constructs one, so holding a `Slug` is proof the checks ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

/// Why a proposed slug was refused; the messages are shown beside the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// Nothing was entered.
    #[error("Please enter a short name for the web address.")]
    Empty,
    /// Shorter than two characters.
    #[error("The short name must be at least {MIN_LEN} characters long.")]
    TooShort,
    /// Longer than forty characters.
    #[error("The short name must be at most {MAX_LEN} characters long.")]
    TooLong,
    /// A character outside lowercase ASCII letters, digits and '-'.
    #[error("The short name may only contain lowercase letters a–z, digits and '-', not '{0}'.")]
    InvalidCharacter(char),
    /// Starts or ends with '-'.
    #[error("The short name must not start or end with '-'.")]
    DashAtEdge,
    /// One of [`RESERVED_SLUGS`].
    #[error("This short name is reserved; please choose another one.")]
    Reserved,
}

impl Slug {
    /// Checks a slug exactly as typed; it is not trimmed or lowercased, because silently changing
    /// a web address the organizer chose would surprise them later.
    pub fn parse(input: &str) -> Result<Slug, SlugError> {
        if input.is_empty() {
            return Err(SlugError::Empty);
        }
        // Characters first: a too-long string of umlauts should be told about the umlauts.
        if let Some(bad) = input
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(SlugError::InvalidCharacter(bad));
        }
        // All ASCII from here on, so byte length is character count.
        if input.len() < MIN_LEN {
            return Err(SlugError::TooShort);
        }
        if input.len() > MAX_LEN {
            return Err(SlugError::TooLong);
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(SlugError::DashAtEdge);
        }
        if RESERVED_SLUGS.contains(&input) {
            return Err(SlugError::Reserved);
        }
        Ok(Slug(input.to_owned()))
    }

    /// The slug for building URLs and storing.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_refuses() {
        let forty = "a".repeat(40);
        let forty_one = "a".repeat(41);
        let cases: &[(&str, Result<(), SlugError>)] = &[
            ("sck26", Ok(())),
            ("smart-city-2026", Ok(())),
            ("ab", Ok(())),
            ("a-b", Ok(())),
            ("2026", Ok(())),
            ("a--b", Ok(())),
            (&forty, Ok(())),
            ("", Err(SlugError::Empty)),
            ("a", Err(SlugError::TooShort)),
            ("-", Err(SlugError::TooShort)),
            (&forty_one, Err(SlugError::TooLong)),
            ("-abc", Err(SlugError::DashAtEdge)),
            ("abc-", Err(SlugError::DashAtEdge)),
            ("--", Err(SlugError::DashAtEdge)),
            ("Abc", Err(SlugError::InvalidCharacter('A'))),
            ("ab c", Err(SlugError::InvalidCharacter(' '))),
            ("ab_c", Err(SlugError::InvalidCharacter('_'))),
            ("münchen", Err(SlugError::InvalidCharacter('ü'))),
            (" abc", Err(SlugError::InvalidCharacter(' '))),
            ("ab/c", Err(SlugError::InvalidCharacter('/'))),
            ("admin", Err(SlugError::Reserved)),
            ("api", Err(SlugError::Reserved)),
            ("static", Err(SlugError::Reserved)),
            ("speaker", Err(SlugError::Reserved)),
            ("healthz", Err(SlugError::Reserved)),
            ("login", Err(SlugError::Reserved)),
            ("new", Err(SlugError::Reserved)),
            // Reserved names with dots are refused by the character rule already.
            ("favicon.ico", Err(SlugError::InvalidCharacter('.'))),
        ];
        for (input, expected) in cases {
            let got = Slug::parse(input).map(|s| assert_eq!(s.as_str(), *input));
            assert_eq!(&got, expected, "input {input:?}");
        }
    }

    #[test]
    fn every_reserved_word_is_refused() {
        for word in RESERVED_SLUGS {
            assert!(Slug::parse(word).is_err(), "{word} should be refused");
        }
    }

    #[test]
    fn reserved_list_covers_the_spec() {
        for word in [
            "admin",
            "api",
            "static",
            "speaker",
            "r",
            "healthz",
            "login",
            "logout",
            "assets",
            "favicon.ico",
            "robots.txt",
            "new",
            "settings",
            "about",
            "help",
        ] {
            assert!(RESERVED_SLUGS.contains(&word), "{word} missing");
        }
    }

    #[test]
    fn displays_and_serializes_as_plain_text() {
        let slug = Slug::parse("sck26").unwrap();
        assert_eq!(slug.to_string(), "sck26");
        assert_eq!(slug.as_ref(), "sck26");
        assert_eq!(serde_json::to_string(&slug).unwrap(), "\"sck26\"");
    }

    #[test]
    fn messages_are_sentences() {
        for err in [
            SlugError::Empty,
            SlugError::TooShort,
            SlugError::TooLong,
            SlugError::InvalidCharacter('x'),
            SlugError::DashAtEdge,
            SlugError::Reserved,
        ] {
            let msg = err.to_string();
            assert!(msg.ends_with('.'), "{msg}");
            assert!(msg.chars().next().unwrap().is_uppercase(), "{msg}");
        }
    }
}
