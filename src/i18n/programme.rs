//! Texts of the public programme page: the "now" marker, the track legend, the time groups.

/// Programme-page texts, one instance per language.
pub struct ProgrammeTexts {
    /// The marker in the grid and list at the current time ("Jetzt 14:05").
    pub now: &'static str,
    /// The link to the marker while the congress runs.
    pub jump_to_now: &'static str,
    /// The heading of the track legend.
    pub legend: &'static str,
    /// The link of a legend entry, for screen readers ("show only …").
    pub show_only: &'static str,
}

pub static DE: ProgrammeTexts = ProgrammeTexts {
    now: "Jetzt",
    jump_to_now: "Zum laufenden Programm springen",
    legend: "Themenstränge",
    show_only: "Nur diesen Themenstrang zeigen:",
};

pub static EN: ProgrammeTexts = ProgrammeTexts {
    now: "Now",
    jump_to_now: "Jump to what is on now",
    legend: "Tracks",
    show_only: "Show only this track:",
};
