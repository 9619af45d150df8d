//! The details a person may correct on their private page: the rules for what is stored and
//! which fields a change touches (the audit names the fields, never their values).

/// A person's correctable details.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    pub organization: String,
    pub position: String,
    pub dietary: String,
    pub accessibility: String,
}

/// Longest stored lengths (characters), as on the registration form.
const NAME_MAX: usize = 100;
const ORG_MAX: usize = 200;
const NOTE_MAX: usize = 2000;

fn cut(s: &str, n: usize) -> String {
    s.trim().chars().take(n).collect()
}

impl Profile {
    /// Trimmed and cut to the stored lengths; `Err` names the required fields left empty.
    pub fn normalized(&self) -> Result<Profile, Vec<&'static str>> {
        let p = Profile {
            first_name: cut(&self.first_name, NAME_MAX),
            last_name: cut(&self.last_name, NAME_MAX),
            organization: cut(&self.organization, ORG_MAX),
            position: cut(&self.position, ORG_MAX),
            // Notes keep their line breaks; only the ends are trimmed.
            dietary: cut(&self.dietary, NOTE_MAX),
            accessibility: cut(&self.accessibility, NOTE_MAX),
        };
        let mut missing = vec![];
        if p.first_name.is_empty() {
            missing.push("first_name");
        }
        if p.last_name.is_empty() {
            missing.push("last_name");
        }
        if missing.is_empty() {
            Ok(p)
        } else {
            Err(missing)
        }
    }

    /// The fields that differ from `before`, by their stored names.
    pub fn changed_from(&self, before: &Profile) -> Vec<&'static str> {
        let pairs = [
            ("first_name", &self.first_name, &before.first_name),
            ("last_name", &self.last_name, &before.last_name),
            ("organization", &self.organization, &before.organization),
            ("position", &self.position, &before.position),
            ("dietary_needs", &self.dietary, &before.dietary),
            (
                "accessibility_needs",
                &self.accessibility,
                &before.accessibility,
            ),
        ];
        pairs
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(name, _, _)| name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(first: &str, last: &str) -> Profile {
        Profile {
            first_name: first.into(),
            last_name: last.into(),
            ..Profile::default()
        }
    }

    #[test]
    fn names_are_required_and_trimmed() {
        assert_eq!(p("  ", "Muster").normalized(), Err(vec!["first_name"]));
        assert_eq!(p("", "").normalized(), Err(vec!["first_name", "last_name"]));
        let ok = p(" Anna ", "Muster\n").normalized().unwrap();
        assert_eq!(
            (ok.first_name.as_str(), ok.last_name.as_str()),
            ("Anna", "Muster")
        );
    }

    #[test]
    fn long_input_is_cut_by_characters_not_bytes() {
        let long = "ß".repeat(150);
        let ok = p(&long, "M").normalized().unwrap();
        assert_eq!(ok.first_name.chars().count(), 100);
    }

    #[test]
    fn changes_name_fields_only() {
        let before = p("Anna", "Muster");
        let mut after = before.clone();
        assert!(after.changed_from(&before).is_empty());
        after.organization = "Stadt Ulm".into();
        after.dietary = "vegan".into();
        assert_eq!(
            after.changed_from(&before),
            vec!["organization", "dietary_needs"]
        );
    }
}
