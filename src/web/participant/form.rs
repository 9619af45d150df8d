//! The public registration form as sent: kept as typed (so a form with errors comes back
//! filled in), checked field by field, and turned into the service's `RegistrationInput`.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::{CategoryId, EmailAddress, QuestionId, SessionId, SlotGroupId};
use crate::services::registration::{FormData, RegistrationInput};
use crate::web::forms::{Errors, FormMap};
use crate::web::page::PageCtx;

/// The form as typed, kept on errors.
#[derive(Default)]
pub struct RegisterForm {
    pub category: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organization: String,
    pub position: String,
    pub days: Vec<String>,
    pub dietary: String,
    pub accessibility: String,
    pub consent_privacy: bool,
    pub consent_public: bool,
    pub answers: HashMap<String, Vec<String>>,
    pub picks: HashMap<String, String>,
    /// `rank_{group}_{k}` → session id, as sent.
    pub ranks: HashMap<String, String>,
}

impl RegisterForm {
    pub(super) fn from_form(f: &FormMap) -> RegisterForm {
        let mut answers: HashMap<String, Vec<String>> = HashMap::new();
        let mut picks = HashMap::new();
        let mut ranks = HashMap::new();
        for (k, v) in &f.0 {
            if k.starts_with("rank_") {
                ranks.insert(k.clone(), v.clone());
            } else if let Some(q) = k.strip_prefix("q_") {
                answers.entry(q.to_string()).or_default().push(v.clone());
            } else if let Some(g) = k.strip_prefix("workshop_") {
                picks.insert(g.to_string(), v.clone());
            }
        }
        RegisterForm {
            category: f.get("category").to_string(),
            first_name: f.get("first_name").to_string(),
            last_name: f.get("last_name").to_string(),
            email: f.get("email").to_string(),
            organization: f.get("organization").to_string(),
            position: f.get("position").to_string(),
            days: f.all("days").into_iter().map(str::to_string).collect(),
            dietary: f.get("dietary").to_string(),
            accessibility: f.get("accessibility").to_string(),
            consent_privacy: f.has("consent_privacy"),
            consent_public: f.has("consent_public"),
            answers,
            picks,
            ranks,
        }
    }

    pub fn ranked_as(&self, group: &SlotGroupId, k: &i32, session: &SessionId) -> bool {
        self.ranks
            .get(&format!("rank_{group}_{k}"))
            .is_some_and(|v| *v == session.to_string())
    }

    pub fn answer(&self, q: &QuestionId) -> &str {
        self.answers
            .get(&q.to_string())
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn answered(&self, q: &QuestionId, option: &str) -> bool {
        self.answers
            .get(&q.to_string())
            .is_some_and(|v| v.iter().any(|x| x == option))
    }

    pub fn picked(&self, group: &SlotGroupId, session: &SessionId) -> bool {
        self.picks
            .get(&group.to_string())
            .is_some_and(|v| *v == session.to_string())
    }

    pub fn has_day(&self, d: &NaiveDate) -> bool {
        self.days.iter().any(|x| *x == d.to_string())
    }

    pub(super) fn parse(
        &self,
        ctx: &PageCtx,
        data: &FormData,
    ) -> Result<RegistrationInput, Errors> {
        let t = ctx.t;
        let a = t.a;
        let mut e = Errors::default();
        let category_id = self
            .category
            .parse::<CategoryId>()
            .ok()
            .filter(|c| data.categories.iter().any(|x| x.id == *c));
        if category_id.is_none() {
            e.add("category", t.err_category);
        }
        let first_name =
            crate::web::forms::required(&mut e, "first_name", &self.first_name, a.err_required);
        let last_name =
            crate::web::forms::required(&mut e, "last_name", &self.last_name, a.err_required);
        // One person, one registration: addresses compare without regard to case.
        let email = match EmailAddress::parse(&self.email) {
            Ok(m) => Some(m.case_folded()),
            Err(_) => {
                e.add("email", a.err_email);
                None
            }
        };
        let mut days = vec![];
        for d in &self.days {
            match d.parse::<NaiveDate>() {
                Ok(day) if data.days.iter().any(|x| x.day == day) => days.push(day),
                _ => e.add("days", a.err_date),
            }
        }
        if days.is_empty() && !data.days.is_empty() {
            e.add("days", t.err_days);
        }
        let mut answers = vec![];
        for q in &data.questions {
            let values: Vec<String> = self
                .answers
                .get(&q.id.to_string())
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            let field: &'static str = "questions";
            let choices = q.choices();
            let valid = match q.kind.as_str() {
                "single_choice" => values.len() <= 1 && values.iter().all(|v| choices.contains(v)),
                "multiple_choice" => values.iter().all(|v| choices.contains(v)),
                "checkbox" => values.len() <= 1,
                _ => values.len() <= 1 && values.iter().all(|v| v.chars().count() <= 5000),
            };
            if !valid || (q.required && values.is_empty()) {
                e.add_owned(format!("q_{}", q.id), a.err_required);
                e.add(field, a.form_has_errors);
            } else if !values.is_empty() {
                let value = if q.kind == "checkbox" {
                    "yes".to_string()
                } else {
                    values.join("\n")
                };
                answers.push((q.id, value));
            }
        }
        let mut picks = vec![];
        for (group, _, sessions) in &data.groups {
            match self.picks.get(&group.to_string()).map(String::as_str) {
                None | Some("") => {}
                Some(v) => match v.parse::<SessionId>() {
                    Ok(s) if sessions.iter().any(|x| x.id == s) => picks.push((*group, s)),
                    _ => e.add_owned(format!("workshop_{group}"), a.err_required),
                },
            }
        }
        let mut rankings = vec![];
        for (group, _, depth, sessions) in &data.ranked {
            let mut chosen: Vec<SessionId> = vec![];
            for k in 1..=*depth {
                match self
                    .ranks
                    .get(&format!("rank_{group}_{k}"))
                    .map(String::as_str)
                {
                    None | Some("") => {}
                    Some(v) => match v.parse::<SessionId>() {
                        Ok(s) if sessions.iter().any(|x| x.id == s) && !chosen.contains(&s) => {
                            chosen.push(s)
                        }
                        Ok(s) if chosen.contains(&s) => {
                            e.add_owned(format!("rank_{group}"), t.err_choice_twice)
                        }
                        _ => e.add_owned(format!("rank_{group}"), a.err_required),
                    },
                }
            }
            if !chosen.is_empty() {
                rankings.push((*group, chosen));
            }
        }
        // A workshop is chosen for a day the person attends (when the congress asks for days).
        let off_day = |s: &SessionId| {
            !crate::domain::blocks::attends(&days, data.session_days.get(s).copied())
        };
        for (group, s) in &picks {
            if off_day(s) {
                e.add_owned(format!("workshop_{group}"), t.blk.err_not_attending);
            }
        }
        for (group, ranking) in &rankings {
            if ranking.iter().any(off_day) {
                e.add_owned(format!("rank_{group}"), t.blk.err_not_attending);
            }
        }
        if !self.consent_privacy {
            e.add("consent_privacy", t.err_consent);
        }
        let cut = |s: &str, n: usize| s.trim().chars().take(n).collect::<String>();
        // A missing category or address has put its message in `e` already.
        let (Some(category_id), Some(email), true) = (category_id, email, e.is_empty()) else {
            return Err(e);
        };
        Ok(RegistrationInput {
            category_id,
            first_name: cut(&first_name, 100),
            last_name: cut(&last_name, 100),
            email,
            organization: cut(&self.organization, 200),
            position: cut(&self.position, 200),
            days,
            dietary: cut(&self.dietary, 2000),
            accessibility: cut(&self.accessibility, 2000),
            language: ctx.lang,
            answers,
            consent_public: self.consent_public,
            picks,
            rankings,
        })
    }
}
