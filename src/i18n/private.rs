//! Texts of a person's private page (`/r/{token}`): their workshops, the choice, their details.

/// Private-page texts, one instance per language.
pub struct PrivateTexts {
    pub your_workshops: &'static str,
    pub none_chosen: &'static str,
    pub choose_one: &'static str,
    pub choose_title: &'static str,
    pub choose_intro: &'static str,
    pub nothing_left: &'static str,
    pub details_title: &'static str,
    pub details_intro: &'static str,
    pub save_details: &'static str,
    pub profile_saved: &'static str,
    pub not_active: &'static str,
}

pub static DE: PrivateTexts = PrivateTexts {
    your_workshops: "Ihre Werkstätten",
    none_chosen: "Noch keine Werkstatt gewählt.",
    choose_one: "Werkstatt wählen",
    choose_title: "Werkstätten wählen",
    choose_intro: "Wählen Sie je Zeitblock eine Werkstatt. Ist sie voll, kommen Sie auf die Warteliste und rücken automatisch nach, sobald ein Platz frei wird; Sie erhalten dann eine E-Mail.",
    nothing_left: "Hier gibt es keine weitere Werkstatt zur Wahl.",
    details_title: "Ihre Angaben",
    details_intro: "Hier können Sie Ihren Namen, Ihre Organisation und Ihre Hinweise für das Organisationsteam berichtigen. Ihre E-Mail-Adresse ändert das Organisationsteam auf Nachfrage.",
    save_details: "Angaben speichern",
    profile_saved: "Ihre Angaben sind gespeichert.",
    not_active: "Diese Anmeldung ist nicht mehr aktiv; Angaben lassen sich nicht mehr ändern.",
};

pub static EN: PrivateTexts = PrivateTexts {
    your_workshops: "Your workshops",
    none_chosen: "No workshop chosen yet.",
    choose_one: "Choose a workshop",
    choose_title: "Choose workshops",
    choose_intro: "Choose one workshop per time block. If it is full, you join its waiting list and move up automatically when a seat frees up; we will email you.",
    nothing_left: "There is no other workshop to choose here.",
    details_title: "Your details",
    details_intro: "Here you can correct your name, your organization and your notes for the organizing team. The organizing team changes your email address on request.",
    save_details: "Save details",
    profile_saved: "Your details are saved.",
    not_active: "This registration is no longer active; its details can no longer be changed.",
};
