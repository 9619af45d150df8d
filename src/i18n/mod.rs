//! German (default) and English. The catalogue is a struct, so a template that uses a message
//! missing in one language does not compile; formatting of dates follows each language's habits.

use chrono::{Datelike, NaiveDate, Weekday};

pub mod admin;
pub mod blocks;
pub mod changes;
mod de;
mod en;
mod lang;
pub mod private;
pub mod programme;
pub mod speaker;

pub use lang::Lang;

/// What needs the texts of a language.
impl Lang {
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::De => &de::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }

    pub fn long_date(self, d: NaiveDate) -> String {
        let t = self.texts();
        let wd = t.weekdays[d.weekday().num_days_from_monday() as usize];
        let month = t.months[d.month0() as usize];
        match self {
            Lang::De => format!("{wd}, {}. {month} {}", d.day(), d.year()),
            Lang::En => format!("{wd}, {} {month} {}", d.day(), d.year()),
        }
    }

    /// A time zone's abbreviation as readers of the language know it: MEZ/MESZ in German for
    /// CET/CEST (tz data gives the English ones); others unchanged.
    pub fn zone_abbreviation(self, abbrev: &str) -> String {
        match (self, abbrev) {
            (Lang::De, "CET") => "MEZ".into(),
            (Lang::De, "CEST") => "MESZ".into(),
            _ => abbrev.to_string(),
        }
    }

    /// "Mi., 20.01." / "Wed 20 Jan", for tabs and compact lists.
    pub fn short_date(self, d: NaiveDate) -> String {
        let t = self.texts();
        let wd = t.weekdays_short[d.weekday().num_days_from_monday() as usize];
        match self {
            Lang::De => format!("{wd} {:02}.{:02}.", d.day(), d.month()),
            Lang::En => format!("{wd} {} {}", d.day(), &t.months[d.month0() as usize][..3]),
        }
    }

    /// "20.–21. Januar 2027" style ranges for a congress's days.
    pub fn date_range(self, first: NaiveDate, last: NaiveDate) -> String {
        let t = self.texts();
        if first == last {
            return self.long_date(first);
        }
        let m1 = t.months[first.month0() as usize];
        let m2 = t.months[last.month0() as usize];
        match self {
            Lang::De if first.month() == last.month() && first.year() == last.year() => {
                format!("{}.–{}. {m2} {}", first.day(), last.day(), last.year())
            }
            Lang::De => format!(
                "{}. {m1} {} – {}. {m2} {}",
                first.day(),
                first.year(),
                last.day(),
                last.year()
            ),
            Lang::En if first.month() == last.month() && first.year() == last.year() => {
                format!("{}–{} {m2} {}", first.day(), last.day(), last.year())
            }
            Lang::En => format!(
                "{} {m1} {} – {} {m2} {}",
                first.day(),
                first.year(),
                last.day(),
                last.year()
            ),
        }
    }
}

/// Whether a weekday is a weekend day (for the demo's choice of weekdays).
pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Every text of the interface, one instance per language.
pub struct Texts {
    /// The back office.
    pub a: &'static admin::AdminTexts,
    pub s: &'static speaker::SpeakerTexts,
    /// Workshop blocks (back office and participants).
    pub blk: &'static blocks::BlockTexts,
    /// The public programme page.
    pub prg: &'static programme::ProgrammeTexts,
    /// A person's private page.
    pub pp: &'static private::PrivateTexts,
    pub msg_ranked: &'static str,
    pub your_choices: &'static str,
    pub ranking_intro: &'static str,
    pub ranking_until: &'static str,
    pub choice: &'static str,
    pub save_choices: &'static str,
    pub no_choices: &'static str,
    pub choices_allocated: &'static str,
    pub choices_closed: &'static str,
    pub lottery_seed: &'static str,
    pub err_choice_twice: &'static str,
    pub lang_name: &'static str,
    pub switch_to: &'static str,
    pub skip_to_content: &'static str,
    pub site_name: &'static str,
    pub main_nav: &'static str,
    pub congresses: &'static str,
    pub no_congresses: &'static str,
    pub home: &'static str,
    pub program: &'static str,
    pub speakers: &'static str,
    pub register: &'static str,
    pub venue: &'static str,
    pub dates: &'static str,
    pub days: &'static str,
    pub rooms: &'static str,
    pub sessions: &'static str,
    pub workshops: &'static str,
    pub time: &'static str,
    pub room: &'static str,
    pub track: &'static str,
    pub all_tracks: &'static str,
    pub all_days: &'static str,
    pub view: &'static str,
    pub kind: &'static str,
    pub language: &'static str,
    pub filter: &'static str,
    pub apply_filter: &'static str,
    pub grid_view: &'static str,
    pub list_view: &'static str,
    pub day: &'static str,
    pub programme_not_published: &'static str,
    pub no_sessions_match: &'static str,
    pub cancelled: &'static str,
    pub seats: &'static str,
    pub fully_booked: &'static str,
    pub on_waitlist: &'static str,
    pub needs_enrollment: &'static str,
    pub speaker_role_speaker: &'static str,
    pub speaker_role_moderator: &'static str,
    pub speaker_role_panelist: &'static str,
    pub kind_keynote: &'static str,
    pub kind_talk: &'static str,
    pub kind_panel: &'static str,
    pub kind_workshop: &'static str,
    pub kind_break: &'static str,
    pub kind_social: &'static str,
    pub kind_other: &'static str,
    pub abstract_heading: &'static str,
    pub description_heading: &'static str,
    pub sessions_of_speaker: &'static str,
    pub back_to_program: &'static str,
    pub all_speakers: &'static str,
    pub accessibility: &'static str,
    pub time_zone_note: &'static str,
    pub schedule_version: &'static str,
    pub published_at: &'static str,
    pub registration_open_until: &'static str,
    pub registration_opens_at: &'static str,
    pub registration_closed: &'static str,
    /// The call to action while registration is open.
    pub register_now: &'static str,
    /// On a workshop's page: how to get a seat.
    pub how_to_enroll: &'static str,
    pub view_program: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub server_error_title: &'static str,
    pub server_error_text: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_text: &'static str,
    pub bad_request_title: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_text: &'static str,
    pub csrf_failed: &'static str,
    /// A path or query string holding a control character (400).
    pub control_in_address: &'static str,
    /// Beside a form field whose value held a control character (422).
    pub control_in_field: &'static str,
    /// The title of a 410 page (a private link that expired or was revoked).
    pub gone_title: &'static str,
    pub too_large_title: &'static str,
    pub too_large_text: &'static str,
    pub busy_title: &'static str,
    pub busy_text: &'static str,
    pub to_start: &'static str,
    pub scroll_hint: &'static str,
    pub organization: &'static str,
    pub changelog: &'static str,
    pub my_agenda: &'static str,
    pub deleted_title: &'static str,
    pub deleted_text: &'static str,
    pub your_data: &'static str,
    pub download_data: &'static str,
    pub delete_registration: &'static str,
    pub delete_warning: &'static str,
    pub checkin_code: &'static str,
    pub checkin_code_alt: &'static str,
    pub err_category: &'static str,
    pub err_days: &'static str,
    pub err_consent: &'static str,
    pub err_too_many: &'static str,
    pub registration_not_yet: &'static str,
    pub check_your_email: &'static str,
    pub check_your_email_text: &'static str,
    pub confirm_title: &'static str,
    pub confirm_text: &'static str,
    pub confirm_button: &'static str,
    pub link_invalid: &'static str,
    pub link_invalid_text: &'static str,
    pub link_expired: &'static str,
    pub link_expired_text: &'static str,
    pub status_pending: &'static str,
    pub status_confirmed: &'static str,
    pub status_waitlisted: &'static str,
    pub status_awaiting_approval: &'static str,
    pub status_cancelled: &'static str,
    pub status_expired: &'static str,
    pub msg_enrolled: &'static str,
    pub msg_waitlisted: &'static str,
    pub msg_left: &'static str,
    pub msg_overlap: &'static str,
    pub not_confirmed_yet: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: &'static str,
    pub position_label: &'static str,
    pub category: &'static str,
    pub days_attending: &'static str,
    pub dietary: &'static str,
    pub accessibility_needs: &'static str,
    pub consent_privacy: &'static str,
    pub consent_public: &'static str,
    pub workshop_none: &'static str,
    pub submit_registration: &'static str,
    pub your_registration: &'static str,
    pub enroll: &'static str,
    pub join_waitlist: &'static str,
    pub leave_seat: &'static str,
    pub leave_waitlist: &'static str,
    pub waitlist_position: &'static str,
    pub enrolled: &'static str,
    pub cancel_registration: &'static str,
    pub cancel_warning: &'static str,
    pub honeypot: &'static str,
    pub required_mark: &'static str,
    pub no_changes: &'static str,
    pub weekdays: [&'static str; 7],
    pub weekdays_short: [&'static str; 7],
    pub months: [&'static str; 12],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_abbreviations_are_german_on_german_pages() {
        assert_eq!(Lang::De.zone_abbreviation("CET"), "MEZ");
        assert_eq!(Lang::De.zone_abbreviation("CEST"), "MESZ");
        assert_eq!(Lang::En.zone_abbreviation("CEST"), "CEST");
        assert_eq!(Lang::De.zone_abbreviation("EST"), "EST");
    }

    #[test]
    fn accept_language_negotiation() {
        assert_eq!(Lang::from_accept_language(""), Lang::De);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, de;q=0.8"),
            Lang::De
        );
        assert_eq!(Lang::from_accept_language("fr"), Lang::De);
        assert_eq!(Lang::from_accept_language("de;q=0, en;q=0.1"), Lang::En);
    }

    #[test]
    fn counts_and_the_rest_of_a_list() {
        let cases = [
            (0, "und 0 weitere", "and 0 more"),
            (999, "und 999 weitere", "and 999 more"),
            (1234, "und 1.234 weitere", "and 1,234 more"),
            (12_497_800, "und 12.497.800 weitere", "and 12,497,800 more"),
        ];
        for (n, de, en) in cases {
            assert_eq!(Lang::De.and_more(n), de);
            assert_eq!(Lang::En.and_more(n), en);
        }
    }

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
        assert_eq!(Lang::De.long_date(d), "Mittwoch, 20. Januar 2027");
        assert_eq!(Lang::En.long_date(d), "Wednesday, 20 January 2027");
        let e = NaiveDate::from_ymd_opt(2027, 1, 21).unwrap();
        assert_eq!(Lang::De.date_range(d, e), "20.–21. Januar 2027");
        assert_eq!(Lang::En.date_range(d, e), "20–21 January 2027");
        assert_eq!(Lang::De.short_date(d), "Mi. 20.01.");
        assert_eq!(Lang::En.short_date(d), "Wed 20 Jan");
    }
}
