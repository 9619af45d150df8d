//! Email bodies: one layout in text and HTML (askama escapes the HTML); the words of each kind,
//! German and English, in its own askama file under `templates/email/kinds/`.

use askama::Template;

use crate::domain::registration::EmailKind;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "email/message.txt", escape = "none")]
struct TextBody<'a> {
    greeting: &'a str,
    paragraphs: &'a [String],
    action_label: &'a str,
    action_url: &'a str,
    lines: &'a [String],
    congress: &'a str,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlBody<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    action_label: &'a str,
    action_url: &'a str,
    lines: &'a [String],
    congress: &'a str,
}

/// A composed email.
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders the parts of a message.
pub fn render(
    lang: Lang,
    subject: &str,
    greeting: &str,
    paragraphs: &[String],
    action: (&str, &str),
    lines: &[String],
    congress: &str,
) -> Result<Composed, askama::Error> {
    let text = TextBody {
        greeting,
        paragraphs,
        action_label: action.0,
        action_url: action.1,
        lines,
        congress,
    }
    .render()?;
    let html = HtmlBody {
        lang: lang.code(),
        subject,
        greeting,
        paragraphs,
        action_label: action.0,
        action_url: action.1,
        lines,
        congress,
    }
    .render()?;
    Ok(Composed {
        subject: subject.to_string(),
        text,
        html,
    })
}

/// The variables every kind's words may use (`templates/email/kinds/README.md`).
pub struct WordsIn<'a> {
    pub lang: &'a str,
    pub name: &'a str,
    pub congress: &'a str,
    /// Kind-specific: a session title, the subject of a bulk mail, …
    pub detail: &'a str,
}

macro_rules! kinds {
    ($($ty:ident => $kind:literal in $path:literal),* $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path, escape = "none")]
            #[allow(dead_code)] // each kind uses some of the variables
            struct $ty<'a> {
                lang: &'a str,
                name: &'a str,
                congress: &'a str,
                detail: &'a str,
            }
        )*

        /// The kinds that have words (one template file each).
        pub const KINDS: &[&str] = &[$($kind),*];

        /// Renders the words of a kind; `None` for an unknown kind.
        fn words(kind: &str, w: &WordsIn<'_>) -> Option<Result<String, askama::Error>> {
            match kind {
                $($kind => Some($ty {
                    lang: w.lang,
                    name: w.name,
                    congress: w.congress,
                    detail: w.detail,
                }
                .render()),)*
                _ => None,
            }
        }
    };
}

kinds! {
    ConfirmYourRegistration => "confirm-your-registration" in "email/kinds/confirm-your-registration.txt",
    RegistrationConfirmed => "registration-confirmed" in "email/kinds/registration-confirmed.txt",
    AwaitingApproval => "awaiting-approval" in "email/kinds/awaiting-approval.txt",
    Waitlisted => "waitlisted" in "email/kinds/waitlisted.txt",
    PromotedFromWaitlist => "promoted-from-waitlist" in "email/kinds/promoted-from-waitlist.txt",
    ApprovalGranted => "approval-granted" in "email/kinds/approval-granted.txt",
    ApprovalDeclined => "approval-declined" in "email/kinds/approval-declined.txt",
    Cancelled => "cancelled" in "email/kinds/cancelled.txt",
    EnrollmentPromoted => "enrollment-promoted" in "email/kinds/enrollment-promoted.txt",
    Bulk => "bulk" in "email/kinds/bulk.txt",
    SpeakerLink => "speaker-link" in "email/kinds/speaker-link.txt",
    SpeakerScheduleChanged => "speaker-schedule-changed" in "email/kinds/speaker-schedule-changed.txt",
    ParticipantScheduleChanged => "participant-schedule-changed" in "email/kinds/participant-schedule-changed.txt",
    AllocationResult => "allocation-result" in "email/kinds/allocation-result.txt",
}

/// The parts of a kind's words: subject, button label, paragraphs (the greeting first).
fn split_words(text: &str) -> (String, String, Vec<String>) {
    let mut lines = text.lines();
    let subject = lines.next().unwrap_or_default().trim().to_string();
    let label = lines.next().unwrap_or_default().trim().to_string();
    let rest: Vec<&str> = lines.collect();
    let paragraphs = rest
        .join("\n")
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    (subject, label, paragraphs)
}

/// One email of `kind`: its words from the kind's template, in the text and HTML layouts.
/// `link` is what the button leads to (ignored when the kind has no button); `extra` are
/// paragraphs after the kind's own (a bulk mail's text), `lines` a list below them.
pub fn compose(
    kind: &str,
    lang: Lang,
    w: &WordsIn<'_>,
    link: &str,
    extra: &[String],
    lines: &[String],
) -> Result<Composed, askama::Error> {
    // The words' format is line-based: a value never brings its own line breaks.
    let one_line = |v: &str| v.replace(['\r', '\n'], " ");
    let (name, congress, detail) = (one_line(w.name), one_line(w.congress), one_line(w.detail));
    let w = &WordsIn {
        lang: w.lang,
        name: &name,
        congress: &congress,
        detail: &detail,
    };
    let text = words(kind, w).unwrap_or_else(|| {
        Err(askama::Error::Custom(
            format!("no words for email kind {kind}").into(),
        ))
    })?;
    let (subject, label, mut paragraphs) = split_words(&text);
    let greeting = if paragraphs.is_empty() {
        String::new()
    } else {
        paragraphs.remove(0)
    };
    paragraphs.extend(extra.iter().cloned());
    let link = if label.is_empty() { "" } else { link };
    render(
        lang,
        &subject,
        &greeting,
        &paragraphs,
        (&label, link),
        lines,
        w.congress,
    )
}

/// What a registration email is about.
pub struct RegistrationMail<'a> {
    pub kind: EmailKind,
    pub lang: Lang,
    pub congress: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// The private link the email leads to (confirm or manage page).
    pub link: &'a str,
    /// Workshop outcomes etc., one line each.
    pub lines: Vec<String>,
}

/// A registration email of the state machine.
pub fn registration(m: &RegistrationMail<'_>) -> Result<Composed, askama::Error> {
    let name = format!("{} {}", m.first_name, m.last_name);
    compose(
        m.kind.as_str(),
        m.lang,
        &WordsIn {
            lang: m.lang.code(),
            name: &name,
            congress: m.congress,
            detail: "",
        },
        m.link,
        &[],
        &m.lines,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_in_both_languages_with_escaped_html() {
        for lang in Lang::ALL {
            for kind in [
                EmailKind::ConfirmYourRegistration,
                EmailKind::RegistrationConfirmed,
                EmailKind::AwaitingApproval,
                EmailKind::Waitlisted,
                EmailKind::PromotedFromWaitlist,
                EmailKind::ApprovalGranted,
                EmailKind::ApprovalDeclined,
                EmailKind::Cancelled,
            ] {
                let c = registration(&RegistrationMail {
                    kind,
                    lang,
                    congress: "Kongress <2027>",
                    first_name: "Anna",
                    last_name: "Müller & Co",
                    link: "http://127.0.0.1/r/abc",
                    lines: vec!["Werkstatt A: angemeldet".into()],
                })
                .unwrap();
                assert!(!c.subject.is_empty());
                assert!(c.text.contains("Müller & Co"), "{kind:?} text");
                assert!(
                    c.html.contains("Müller &#38; Co") || c.html.contains("Müller &amp; Co"),
                    "{kind:?} html escaped"
                );
                assert!(!c.html.contains("<2027>"));
                assert!(c.text.contains("Werkstatt A: angemeldet"));
                assert!(!c.subject.contains('\n'));
                assert!(c.text.starts_with(match lang {
                    Lang::De => "Guten Tag Anna",
                    Lang::En => "Dear Anna",
                }));
            }
        }
    }

    #[test]
    fn every_kind_has_words_with_a_subject_and_a_greeting() {
        for kind in KINDS {
            for lang in Lang::ALL {
                let c = compose(
                    kind,
                    lang,
                    &WordsIn {
                        lang: lang.code(),
                        name: "Anna Müller",
                        congress: "Kongress",
                        detail: "Werkstatt <1>",
                    },
                    "http://x/r/t",
                    &["Organizer text".into()],
                    &[],
                )
                .unwrap();
                assert!(!c.subject.is_empty(), "{kind}");
                assert!(c.text.contains("Anna Müller"), "{kind}");
                assert!(c.text.contains("Organizer text"), "{kind}");
                assert!(!c.html.contains("<1>"), "{kind} escapes detail");
            }
        }
        for kind in EmailKind::ALL {
            assert!(KINDS.contains(&kind.as_str()), "{kind} has words");
        }
        assert!(compose(
            "nope",
            Lang::De,
            &WordsIn {
                lang: "de",
                name: "",
                congress: "",
                detail: ""
            },
            "",
            &[],
            &[]
        )
        .is_err());
    }

    #[test]
    fn a_kind_without_button_has_no_link() {
        let c = compose(
            "cancelled",
            Lang::En,
            &WordsIn {
                lang: "en",
                name: "A B",
                congress: "K",
                detail: "",
            },
            "http://x/r/secret",
            &[],
            &[],
        )
        .unwrap();
        assert!(!c.text.contains("http://x/r/secret"));
        assert!(!c.html.contains("http://x/r/secret"));
    }
}
