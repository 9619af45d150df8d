//! Email bodies: one layout in text and HTML (askama escapes the HTML); the words of each kind,
//! German and English, in its own askama file under `templates/email/kinds/`.

use askama::Template;

use crate::domain::MailKind;
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
    ($($kind:ident in $path:literal),* $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path, escape = "none")]
            #[allow(dead_code)] // each kind uses some of the variables
            struct $kind<'a> {
                lang: &'a str,
                name: &'a str,
                congress: &'a str,
                detail: &'a str,
            }
        )*

        /// Renders the words of a kind (the match is exhaustive: every kind has a template).
        fn words(kind: MailKind, w: &WordsIn<'_>) -> Result<String, askama::Error> {
            match kind {
                $(MailKind::$kind => $kind {
                    lang: w.lang,
                    name: w.name,
                    congress: w.congress,
                    detail: w.detail,
                }
                .render(),)*
            }
        }

        /// The template file of a kind's words, so a test can check it is named after the kind.
        #[cfg(test)]
        fn template_path(kind: MailKind) -> &'static str {
            match kind {
                $(MailKind::$kind => $path,)*
            }
        }
    };
}

kinds! {
    ConfirmYourRegistration in "email/kinds/confirm-your-registration.txt",
    RegistrationConfirmed in "email/kinds/registration-confirmed.txt",
    AwaitingApproval in "email/kinds/awaiting-approval.txt",
    Waitlisted in "email/kinds/waitlisted.txt",
    PromotedFromWaitlist in "email/kinds/promoted-from-waitlist.txt",
    ApprovalGranted in "email/kinds/approval-granted.txt",
    ApprovalDeclined in "email/kinds/approval-declined.txt",
    Cancelled in "email/kinds/cancelled.txt",
    EnrollmentPromoted in "email/kinds/enrollment-promoted.txt",
    Bulk in "email/kinds/bulk.txt",
    SpeakerLink in "email/kinds/speaker-link.txt",
    SpeakerScheduleChanged in "email/kinds/speaker-schedule-changed.txt",
    ParticipantScheduleChanged in "email/kinds/participant-schedule-changed.txt",
    AllocationResult in "email/kinds/allocation-result.txt",
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
/// `link` is what the button leads to (ignored when the kind has no button,
/// [`MailKind::has_button`]); `extra` are paragraphs after the kind's own (a bulk mail's text),
/// `lines` a list below them.
pub fn compose(
    kind: MailKind,
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
    let (subject, label, mut paragraphs) = split_words(&words(kind, w)?);
    let greeting = if paragraphs.is_empty() {
        String::new()
    } else {
        paragraphs.remove(0)
    };
    paragraphs.extend(extra.iter().cloned());
    // The kind says whether there is a button; its template's label line agrees (tested).
    let (label, link) = if kind.has_button() {
        (label.as_str(), link)
    } else {
        ("", "")
    };
    render(
        lang,
        &subject,
        &greeting,
        &paragraphs,
        (label, link),
        lines,
        w.congress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_in<'a>(lang: Lang, name: &'a str, congress: &'a str, detail: &'a str) -> WordsIn<'a> {
        WordsIn {
            lang: lang.code(),
            name,
            congress,
            detail,
        }
    }

    #[test]
    fn every_registration_kind_renders_in_both_languages_with_escaped_html() {
        for lang in Lang::ALL {
            for kind in [
                MailKind::ConfirmYourRegistration,
                MailKind::RegistrationConfirmed,
                MailKind::AwaitingApproval,
                MailKind::Waitlisted,
                MailKind::PromotedFromWaitlist,
                MailKind::ApprovalGranted,
                MailKind::ApprovalDeclined,
                MailKind::Cancelled,
            ] {
                let c = compose(
                    kind,
                    lang,
                    &words_in(lang, "Anna Müller & Co", "Kongress <2027>", ""),
                    "http://127.0.0.1/r/abc",
                    &[],
                    &["Werkstatt A: angemeldet".into()],
                )
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
        for kind in MailKind::ALL {
            assert_eq!(
                template_path(kind),
                format!("email/kinds/{}.txt", kind.as_str()),
                "the template is named after the outbox kind"
            );
            for lang in Lang::ALL {
                let c = compose(
                    kind,
                    lang,
                    &words_in(lang, "Anna Müller", "Kongress", "Werkstatt <1>"),
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
    }

    /// `MailKind::has_button` is the truth; each template's label line (the second line of its
    /// words) must agree with it, in every language.
    #[test]
    fn the_templates_label_line_agrees_with_has_button() {
        for kind in MailKind::ALL {
            for lang in Lang::ALL {
                let text = words(kind, &words_in(lang, "A B", "K", "D")).unwrap();
                let (_, label, _) = split_words(&text);
                assert_eq!(
                    !label.is_empty(),
                    kind.has_button(),
                    "{kind} ({lang:?}): label line {label:?}"
                );
                let c = compose(
                    kind,
                    lang,
                    &words_in(lang, "A B", "K", "D"),
                    "http://x/r/secret",
                    &[],
                    &[],
                )
                .unwrap();
                assert_eq!(
                    c.text.contains("http://x/r/secret"),
                    kind.has_button(),
                    "{kind} ({lang:?}) text"
                );
                assert_eq!(
                    c.html.contains("http://x/r/secret"),
                    kind.has_button(),
                    "{kind} ({lang:?}) html"
                );
            }
        }
    }
}
