//! Email addresses of participants, speakers and organizers.
//!
//! The check is deliberately modest: the double opt-in link (SPEC §2 rule 5) is the real proof an
//! address works. Parsing only catches typos that would make the confirmation mail bounce or
//! that could smuggle header content (whitespace, control characters) into an outgoing message.

use std::fmt;

const MAX_LOCAL_LEN: usize = 64;
const MAX_TOTAL_LEN: usize = 254;

/// An email address that passed [`EmailAddress::parse`].
///
/// The domain part is stored lowercased so that the same person registering twice with
/// `Anna@Example.ORG` and `Anna@example.org` is recognised; the local part keeps its case
/// because some mail servers (rarely, but legally) distinguish it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

/// Why an email address was refused; the messages are shown beside the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing (or only blanks) was entered.
    #[error("Please enter an email address.")]
    Empty,
    /// No '@' at all.
    #[error("An email address needs an '@', as in name@example.org.")]
    MissingAt,
    /// More than one '@'.
    #[error("An email address may contain only one '@'.")]
    MultipleAt,
    /// Nothing before the '@'.
    #[error("The part before the '@' is missing.")]
    EmptyLocalPart,
    /// More than 64 bytes before the '@'.
    #[error("The part before the '@' may be at most {MAX_LOCAL_LEN} characters long.")]
    LocalPartTooLong,
    /// The domain has no dot, so it cannot be a public mail domain.
    #[error("The part after the '@' must be a domain such as example.org.")]
    DomainWithoutDot,
    /// The domain contains something other than letters, digits, '-' and '.'.
    #[error("The part after the '@' contains characters a domain cannot have.")]
    InvalidDomain,
    /// A space, tab, line break or other control character.
    #[error("An email address must not contain spaces or control characters.")]
    Whitespace,
    /// Two dots in a row.
    #[error("An email address must not contain two dots in a row.")]
    ConsecutiveDots,
    /// A dot right at the start or end of the local part or of the domain.
    #[error("A dot may not stand directly next to the '@' or at either end of the address.")]
    DotAtEdge,
    /// More than 254 bytes in total.
    #[error("An email address may be at most {MAX_TOTAL_LEN} characters long.")]
    TooLong,
}

impl EmailAddress {
    /// Trims surrounding blanks (pasted addresses often carry them), checks, and lowercases the
    /// domain part.
    pub fn parse(input: &str) -> Result<EmailAddress, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        let (local, domain) = match trimmed.split_once('@') {
            None => return Err(EmailError::MissingAt),
            Some((_, rest)) if rest.contains('@') => return Err(EmailError::MultipleAt),
            Some(parts) => parts,
        };
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if local.len() > MAX_LOCAL_LEN {
            return Err(EmailError::LocalPartTooLong);
        }
        if trimmed.contains("..") {
            return Err(EmailError::ConsecutiveDots);
        }
        let dot_at_edge = |part: &str| part.starts_with('.') || part.ends_with('.');
        if dot_at_edge(local) || dot_at_edge(domain) {
            return Err(EmailError::DotAtEdge);
        }
        if !domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        {
            return Err(EmailError::InvalidDomain);
        }
        if !domain.contains('.') {
            return Err(EmailError::DomainWithoutDot);
        }
        let normalized = format!("{local}@{}", domain.to_lowercase());
        if normalized.len() > MAX_TOTAL_LEN {
            return Err(EmailError::TooLong);
        }
        Ok(EmailAddress(normalized))
    }

    /// The normalized address, for storing and for the mail transport.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address with its local part lowercased too: the key under which one person
    /// registers once for a congress (`Anna@…` and `anna@…` are the same participant).
    pub fn case_folded(&self) -> EmailAddress {
        EmailAddress(self.0.to_lowercase())
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        let cases = [
            ("anna@example.org", "anna@example.org"),
            ("  anna@example.org\t", "anna@example.org"),
            ("Anna.Schmidt@Example.ORG", "Anna.Schmidt@example.org"),
            ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
            ("x@b.de", "x@b.de"),
            ("o'neil@example.ie", "o'neil@example.ie"),
            ("jürgen@münchen.DE", "jürgen@münchen.de"),
            (
                "first-last@my-domain.example",
                "first-last@my-domain.example",
            ),
        ];
        for (input, expected) in cases {
            let parsed = EmailAddress::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(parsed.as_str(), expected, "input {input:?}");
        }
    }

    #[test]
    fn refuses() {
        let long_local = format!("{}@example.org", "a".repeat(65));
        let max_local = format!("{}@example.org", "a".repeat(64));
        let long_total = format!("a@{}.org", "b".repeat(250));
        let cases: &[(&str, EmailError)] = &[
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("anna.example.org", EmailError::MissingAt),
            ("anna@@example.org", EmailError::MultipleAt),
            ("a@b@example.org", EmailError::MultipleAt),
            ("@example.org", EmailError::EmptyLocalPart),
            (&long_local, EmailError::LocalPartTooLong),
            ("anna@localhost", EmailError::DomainWithoutDot),
            ("anna@", EmailError::DomainWithoutDot),
            ("anna@exa_mple.org", EmailError::InvalidDomain),
            ("anna@example.org>", EmailError::InvalidDomain),
            ("an na@example.org", EmailError::Whitespace),
            ("anna@example.org\nBcc: x@y.z", EmailError::Whitespace),
            ("anna\u{0}@example.org", EmailError::Whitespace),
            ("anna@exa mple.org", EmailError::Whitespace),
            ("an..na@example.org", EmailError::ConsecutiveDots),
            ("anna@example..org", EmailError::ConsecutiveDots),
            (".anna@example.org", EmailError::DotAtEdge),
            ("anna.@example.org", EmailError::DotAtEdge),
            ("anna@.example.org", EmailError::DotAtEdge),
            ("anna@example.org.", EmailError::DotAtEdge),
            (&long_total, EmailError::TooLong),
        ];
        for (input, expected) in cases {
            assert_eq!(
                EmailAddress::parse(input).as_ref(),
                Err(expected),
                "input {input:?}"
            );
        }
        assert!(EmailAddress::parse(&max_local).is_ok());
    }

    #[test]
    fn displays_and_serializes_as_plain_text() {
        let email = EmailAddress::parse("Anna@Example.org").unwrap();
        assert_eq!(email.to_string(), "Anna@example.org");
        assert_eq!(
            serde_json::to_string(&email).unwrap(),
            "\"Anna@example.org\""
        );
    }

    #[test]
    fn case_folding_makes_one_key_per_person() {
        let a = EmailAddress::parse("Anna.Schmidt@Example.org").unwrap();
        let b = EmailAddress::parse("anna.schmidt@EXAMPLE.ORG").unwrap();
        assert_ne!(a, b, "parsing alone keeps the local part's case");
        assert_eq!(a.case_folded(), b.case_folded());
        assert_eq!(a.case_folded().as_str(), "anna.schmidt@example.org");
    }
}
