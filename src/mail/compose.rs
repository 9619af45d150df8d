//! Email bodies: one layout in text and HTML (askama escapes the HTML), the words per kind and
//! language here.

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

/// The words of each registration email.
pub fn registration(m: &RegistrationMail<'_>) -> Result<Composed, askama::Error> {
    use EmailKind::*;
    let name = format!("{} {}", m.first_name, m.last_name);
    let c = m.congress;
    let (subject, greeting, paragraphs, action): (String, String, Vec<String>, &str) = match m.lang
    {
        Lang::De => {
            let greeting = format!("Guten Tag {name},");
            match m.kind {
                ConfirmYourRegistration => (
                    format!("Bitte bestätigen Sie Ihre Anmeldung: {c}"),
                    greeting,
                    vec![
                        format!("vielen Dank für Ihre Anmeldung zu „{c}“. Bitte bestätigen Sie sie innerhalb von 48 Stunden über den folgenden Link; sonst verfällt sie."),
                        "Falls Sie sich nicht angemeldet haben, können Sie diese E-Mail ignorieren.".into(),
                    ],
                    "Anmeldung bestätigen",
                ),
                RegistrationConfirmed => (
                    format!("Ihre Anmeldung ist bestätigt: {c}"),
                    greeting,
                    vec![format!("Ihre Teilnahme an „{c}“ ist bestätigt. Über Ihren persönlichen Link sehen Sie Ihren Status, Ihren QR-Code für den Einlass und Ihre Werkstätten; dort können Sie auch Werkstätten wechseln oder absagen.")],
                    "Meine Anmeldung",
                ),
                AwaitingApproval => (
                    format!("Ihre Anmeldung wird geprüft: {c}"),
                    greeting,
                    vec!["danke für die Bestätigung. Für Ihre Teilnahmekategorie prüfen die Veranstaltenden jede Anmeldung; Sie erhalten eine weitere E-Mail, sobald entschieden ist.".into()],
                    "Meine Anmeldung",
                ),
                Waitlisted => (
                    format!("Sie stehen auf der Warteliste: {c}"),
                    greeting,
                    vec![format!("„{c}“ ist derzeit ausgebucht. Sie stehen auf der Warteliste und rücken automatisch nach, sobald ein Platz frei wird; wir schreiben Ihnen dann.")],
                    "Meine Anmeldung",
                ),
                PromotedFromWaitlist => (
                    format!("Ein Platz für Sie: {c}"),
                    greeting,
                    vec![format!("gute Nachricht: Für Sie ist ein Platz frei geworden. Ihre Teilnahme an „{c}“ ist jetzt bestätigt.")],
                    "Meine Anmeldung",
                ),
                ApprovalGranted => (
                    format!("Ihre Anmeldung wurde freigegeben: {c}"),
                    greeting,
                    vec![format!("Ihre Anmeldung zu „{c}“ wurde freigegeben.")],
                    "Meine Anmeldung",
                ),
                ApprovalDeclined => (
                    format!("Ihre Anmeldung: {c}"),
                    greeting,
                    vec![format!("leider können wir Ihre Anmeldung zu „{c}“ nicht annehmen. Bei Fragen antworten Sie gern auf diese E-Mail.")],
                    "",
                ),
                Cancelled => (
                    format!("Ihre Anmeldung ist storniert: {c}"),
                    greeting,
                    vec![format!("Ihre Anmeldung zu „{c}“ ist storniert. Ihre Plätze in Werkstätten wurden freigegeben.")],
                    "",
                ),
            }
        }
        Lang::En => {
            let greeting = format!("Dear {name},");
            match m.kind {
                ConfirmYourRegistration => (
                    format!("Please confirm your registration: {c}"),
                    greeting,
                    vec![
                        format!("thank you for registering for “{c}”. Please confirm within 48 hours using the link below; otherwise the registration expires."),
                        "If you did not register, you can ignore this email.".into(),
                    ],
                    "Confirm registration",
                ),
                RegistrationConfirmed => (
                    format!("Your registration is confirmed: {c}"),
                    greeting,
                    vec![format!("your place at “{c}” is confirmed. Your private link shows your status, your check-in QR code and your workshops; you can also change workshops or cancel there.")],
                    "My registration",
                ),
                AwaitingApproval => (
                    format!("Your registration is being reviewed: {c}"),
                    greeting,
                    vec!["thank you for confirming. The organizers review every registration in your category; you will get another email once they have decided.".into()],
                    "My registration",
                ),
                Waitlisted => (
                    format!("You are on the waiting list: {c}"),
                    greeting,
                    vec![format!("“{c}” is fully booked at the moment. You are on the waiting list and move up automatically when a place frees up; we will write to you then.")],
                    "My registration",
                ),
                PromotedFromWaitlist => (
                    format!("A place for you: {c}"),
                    greeting,
                    vec![format!("good news: a place has become free for you. Your place at “{c}” is now confirmed.")],
                    "My registration",
                ),
                ApprovalGranted => (
                    format!("Your registration was approved: {c}"),
                    greeting,
                    vec![format!("your registration for “{c}” was approved.")],
                    "My registration",
                ),
                ApprovalDeclined => (
                    format!("Your registration: {c}"),
                    greeting,
                    vec![format!("unfortunately we cannot accept your registration for “{c}”. If you have questions, just reply to this email.")],
                    "",
                ),
                Cancelled => (
                    format!("Your registration is cancelled: {c}"),
                    greeting,
                    vec![format!("your registration for “{c}” is cancelled. Your workshop seats were released.")],
                    "",
                ),
            }
        }
    };
    let link = if action.is_empty() { "" } else { m.link };
    render(
        m.lang,
        &subject,
        &greeting,
        &paragraphs,
        (action, link),
        &m.lines,
        c,
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
            }
        }
    }
}
