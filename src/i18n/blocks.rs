//! Texts about workshop blocks: the back-office page, the grid's block actions, the day check of
//! workshop choices and its repair view. German first.

use super::Lang;

/// The refusal of taking a workshop out of a block whose rankings (not yet allocated) name it.
pub fn ranked_names_it(lang: Lang, n: &str) -> String {
    match lang {
        Lang::De => format!(
            "{n} Personen haben diese Werkstatt in ihren Wünschen: sie kann den Block erst nach der Verteilung verlassen."
        ),
        Lang::En => format!(
            "{n} people ranked this workshop: it can leave the block only after the allocation."
        ),
    }
}

/// The refusal of deleting a block that collects rankings.
pub fn block_has_rankings(lang: Lang, n: &str) -> String {
    match lang {
        Lang::De => format!(
            "{n} Personen haben in diesem Block schon Wünsche abgegeben. Verteilen Sie erst die Plätze, oder stellen Sie die Vergabe auf „Wer zuerst kommt“."
        ),
        Lang::En => format!(
            "{n} people have ranked workshops of this block. Allocate the seats first, or switch it to first come, first served."
        ),
    }
}

/// The refusal of a workshop that overlaps the person's seat in the same block, with the
/// swap it offers.
pub fn swap_offer(lang: Lang, wanted: &str, held: &str, free: bool) -> String {
    match (lang, free) {
        (Lang::De, true) => format!(
            "„{wanted}“ läuft zur selben Zeit wie Ihre Werkstatt „{held}“ (selber Block). Sie können tauschen: Sie bekommen den Platz in „{wanted}“, und Ihr Platz in „{held}“ wird frei."
        ),
        (Lang::De, false) => format!(
            "„{wanted}“ läuft zur selben Zeit wie Ihre Werkstatt „{held}“ (selber Block) und ist voll. Sie können sich auf die Warteliste setzen und Ihren Platz in „{held}“ behalten, bis in „{wanted}“ ein Platz frei wird; dann wird getauscht."
        ),
        (Lang::En, true) => format!(
            "“{wanted}” runs at the same time as your workshop “{held}” (same block). You can swap: you get the seat in “{wanted}”, and your seat in “{held}” is released."
        ),
        (Lang::En, false) => format!(
            "“{wanted}” runs at the same time as your workshop “{held}” (same block) and is full. You can join its waiting list and keep your seat in “{held}” until a seat in “{wanted}” frees up; then the seats are swapped."
        ),
    }
}

/// The preview's warning about seats taken before the block switched to ranked choices.
pub fn seated_before(lang: Lang, n: usize) -> String {
    match lang {
        Lang::De => format!(
            "{n} Personen haben in diesem Block schon einen Platz, vergeben nach „Wer zuerst kommt“ vor der Umstellung. Sie behalten ihn und nehmen an der Verteilung nicht teil; ihre Plätze sind unten als „schon vergeben“ gezählt."
        ),
        Lang::En => format!(
            "{n} people already hold a seat in this block, given first come, first served before the switch. They keep it and take no part in the allocation; their seats are counted below as “taken before”."
        ),
    }
}

pub struct BlockTexts {
    pub blocks: &'static str,
    pub intro: &'static str,
    pub block: &'static str,
    pub no_block: &'static str,
    pub no_day: &'static str,
    pub workshops_in_block: &'static str,
    pub empty_block: &'static str,
    pub flag_apart: &'static str,
    pub flag_untimed: &'static str,
    pub flag_off_day: &'static str,
    pub sound: &'static str,
    pub choosers: &'static str,
    pub mode: &'static str,
    pub seats: &'static str,
    pub parallel_title: &'static str,
    pub parallel_intro: &'static str,
    pub starting_together: &'static str,
    pub make_block: &'static str,
    pub assign: &'static str,
    pub allocation_link: &'static str,
    pub err_day: &'static str,
    /// The refusal of a workshop on a day the person does not attend (participant side).
    pub err_not_attending: &'static str,
    pub repair: &'static str,
    pub repair_intro: &'static str,
    pub repair_none: &'static str,
    pub repair_release: &'static str,
    pub repair_days: &'static str,
    pub repair_released: &'static str,
    pub days_title: &'static str,
    pub days_intro: &'static str,
    pub days_save: &'static str,
    pub days_saved: &'static str,
    pub days_released: &'static str,
    pub days_refused: &'static str,
    pub import_group: &'static str,
    pub import_group_hint: &'static str,
    pub import_grouped: &'static str,
    pub category_approval: &'static str,
    pub category_priority: &'static str,
    pub days_confirm: &'static str,
    pub days_confirm_button: &'static str,
    pub days_back: &'static str,
    pub msg_swapped: &'static str,
    pub msg_swap_waiting: &'static str,
    pub swap_now: &'static str,
    pub swap_wait: &'static str,
    pub swaps_for: &'static str,
    pub seed_hint: &'static str,
    pub new_draw: &'static str,
    pub fill_before: &'static str,
    pub fill_allocated: &'static str,
    pub fill_after: &'static str,
    pub err_depth: &'static str,
    pub refused_congress: &'static str,
    pub refused_category: &'static str,
    pub waiting_list: &'static str,
    pub promote: &'static str,
    pub promote_override: &'static str,
    pub change_category: &'static str,
    pub rankings: &'static str,
    pub really_cancel: &'static str,
    pub really_delete: &'static str,
    pub really_decline_session: &'static str,
}

pub static DE: BlockTexts = BlockTexts {
    blocks: "Werkstattblöcke",
    intro: "Ein Block fasst Werkstätten zusammen, die zur selben Zeit laufen: wer sich anmeldet, wählt je Block eine. Werkstätten kommen über ihr Formular, den Zeitplan oder „Block bilden“ unten in einen Block. Wie die Plätze eines Blocks vergeben werden – wer zuerst kommt, oder nach Wünschen –, stellen Sie unter „Werkstattverteilung“ ein.",
    block: "Block",
    no_block: "– kein Block –",
    no_day: "– kein Tag –",
    workshops_in_block: "Werkstätten",
    empty_block: "Noch keine Werkstatt in diesem Block.",
    flag_apart: "Nicht alle Werkstätten dieses Blocks laufen gleichzeitig: eine Person könnte zwei davon besuchen.",
    flag_untimed: "Werkstätten ohne Zeit im Zeitplan",
    flag_off_day: "Eine Werkstatt liegt nicht am Tag des Blocks.",
    sound: "Alle Werkstätten laufen gleichzeitig.",
    choosers: "Personen mit Wahl",
    mode: "Vergabe",
    seats: "Plätze",
    parallel_title: "Gleichzeitige Werkstätten ohne Block",
    parallel_intro: "Diese Werkstätten beginnen zur selben Zeit, sind aber noch nicht alle in einem Block. Mit „Block bilden“ kommen sie in einen Block.",
    starting_together: "beginnen gleichzeitig",
    make_block: "Block bilden",
    assign: "Zuordnen",
    allocation_link: "Vergabe einstellen",
    err_day: "Bitte wählen Sie einen Tag des Kongresses.",
    err_not_attending: "Diese Werkstatt liegt an einem Tag, an dem Sie nicht teilnehmen. Wählen Sie den Tag oben mit aus oder eine andere Werkstatt.",
    repair: "Plätze an Tagen ohne Teilnahme",
    repair_intro: "Personen, die einen Werkstattplatz oder Wartelistenplatz an einem Tag halten, an dem sie laut Anmeldung nicht teilnehmen. „Freigeben“ gibt den Platz ab; die nächste Person auf der Warteliste rückt nach und wird benachrichtigt.",
    repair_none: "Keine: jeder Werkstattplatz liegt an einem Tag, an dem die Person teilnimmt.",
    repair_release: "Freigeben",
    repair_days: "Teilnahmetage",
    repair_released: "Der Platz ist freigegeben.",
    days_title: "Ihre Teilnahmetage",
    days_intro: "Wenn Sie einen Tag abwählen, geben Sie Ihre Werkstattplätze an diesem Tag ab.",
    days_save: "Tage speichern",
    days_saved: "Ihre Teilnahmetage sind gespeichert.",
    days_released: "Ihre Teilnahmetage sind gespeichert; Ihre Plätze an den abgewählten Tagen sind freigegeben.",
    days_refused: "Bitte wählen Sie mindestens einen Tag.",
    import_group: "Gleichzeitige Werkstätten zu Blöcken zusammenfassen",
    import_group_hint: "Werkstätten, die zur selben Zeit beginnen, kommen in einen gemeinsamen Block; wer sich anmeldet, wählt dann eine davon. Blöcke aus einem Export von kongress werden immer übernommen.",
    import_grouped: "Werkstätten zugeordnet",
    category_approval: "Ihre Anmeldung wird vom Veranstaltungsteam geprüft",
    category_priority: "Vorrang bei der Vergabe der Werkstattplätze; bitte nur wählen, wenn sie auf Sie zutrifft",
    days_confirm: "An den Tagen, die Sie abwählen, haben Sie diese Werkstattplätze oder Wartelistenplätze. Wenn Sie speichern, geben Sie sie ab, und die nächste Person auf der Warteliste rückt nach:",
    days_confirm_button: "Tage speichern und Plätze abgeben",
    days_back: "Zurück, nichts ändern",
    msg_swapped: "Getauscht: Sie haben jetzt einen Platz in der gewählten Werkstatt; Ihr bisheriger Platz im selben Block ist freigegeben.",
    msg_swap_waiting: "Sie stehen auf der Warteliste und behalten Ihren bisherigen Platz im selben Block, bis ein Platz frei wird. Dann wird getauscht, und Sie bekommen eine E-Mail.",
    swap_now: "Platz tauschen",
    swap_wait: "Auf die Warteliste, bisherigen Platz behalten",
    swaps_for: "tauscht gegen",
    seed_hint: "Losnummer – für ein nachvollziehbares Ergebnis: dieselbe Losnummer ergibt dieselbe Verteilung. Gleichstände entscheidet das Los.",
    new_draw: "Neu losen",
    fill_before: "schon vergeben",
    fill_allocated: "neu verteilt",
    fill_after: "belegt / Plätze",
    err_depth: "Bitte eine Anzahl Wünsche von 1 bis 5 angeben.",
    refused_congress: "Nicht möglich: Der Kongress ist voll. Mit „Über die Grenzen hinaus“ nehmen Sie die Person trotzdem auf; das wird protokolliert.",
    refused_category: "Nicht möglich: Das Kontingent dieser Kategorie ist ausgeschöpft. Mit „Über die Grenzen hinaus“ nehmen Sie die Person trotzdem auf; das wird protokolliert.",
    waiting_list: "Warteliste des Kongresses",
    promote: "Von der Warteliste aufnehmen",
    promote_override: "Über die Grenzen hinaus: die volle Kapazität bzw. das volle Kontingent wird um 1 erhöht; wird protokolliert",
    change_category: "Kategorie ändern",
    rankings: "Wünsche (Rangfolge)",
    really_cancel: "Ja, Anmeldung stornieren",
    really_delete: "Ja, Anmeldung und Daten endgültig löschen",
    really_decline_session: "Ja, absagen",
};

pub static EN: BlockTexts = BlockTexts {
    blocks: "Workshop blocks",
    intro: "A block groups workshops that run at the same time: people who register choose one per block. Workshops join a block through their form, the schedule or “Make a block” below. How the seats of a block are given out – first come, first served, or by ranked choices – is set under “Workshop allocation”.",
    block: "Block",
    no_block: "– no block –",
    no_day: "– no day –",
    workshops_in_block: "Workshops",
    empty_block: "No workshop in this block yet.",
    flag_apart: "Not all workshops of this block run at the same time: a person could attend two of them.",
    flag_untimed: "Workshops without a time in the schedule",
    flag_off_day: "A workshop is not on the block's day.",
    sound: "All workshops run at the same time.",
    choosers: "People who chose",
    mode: "Allocation",
    seats: "Seats",
    parallel_title: "Parallel workshops without a block",
    parallel_intro: "These workshops start at the same time but are not all in one block yet. “Make a block” puts them in one.",
    starting_together: "start together",
    make_block: "Make a block",
    assign: "Assign",
    allocation_link: "Set the allocation",
    err_day: "Please choose a day of the congress.",
    err_not_attending: "This workshop is on a day you do not attend. Add that day above, or choose another workshop.",
    repair: "Seats on days not attended",
    repair_intro: "People holding a workshop seat or waiting-list place on a day they do not attend according to their registration. “Release” gives the seat back; the next person waiting moves up and is notified.",
    repair_none: "None: every workshop seat is on a day its holder attends.",
    repair_release: "Release",
    repair_days: "Days attending",
    repair_released: "The seat is released.",
    days_title: "Your days",
    days_intro: "If you untick a day, you give up your workshop seats on that day.",
    days_save: "Save days",
    days_saved: "Your days are saved.",
    days_released: "Your days are saved; your seats on the days you removed are released.",
    days_refused: "Please choose at least one day.",
    import_group: "Group parallel workshops into blocks",
    import_group_hint: "Workshops that start at the same time go into one block; people who register then choose one of them. Blocks from a kongress export are always taken over.",
    import_grouped: "workshops assigned",
    category_approval: "the organizing team reviews your registration",
    category_priority: "served first when workshop seats are given out; please choose it only if it applies to you",
    days_confirm: "On the days you remove you hold these workshop seats or waiting-list places. If you save, you give them up and the next person waiting moves up:",
    days_confirm_button: "Save days and give up the seats",
    days_back: "Back, change nothing",
    msg_swapped: "Swapped: you now have a seat in the workshop you chose; your previous seat in the same block is released.",
    msg_swap_waiting: "You are on the waiting list and keep your previous seat in the same block until a seat frees up. Then the seats are swapped and you get an email.",
    swap_now: "Swap seats",
    swap_wait: "Join the waiting list, keep my seat",
    swaps_for: "swaps for",
    seed_hint: "Draw number – for a result you can reproduce: the same draw number gives the same allocation. Ties are decided by the draw.",
    new_draw: "Draw again",
    fill_before: "taken before",
    fill_allocated: "allocated now",
    fill_after: "taken / seats",
    err_depth: "Please give a number of choices from 1 to 5.",
    refused_congress: "Not possible: the congress is full. With “beyond the limits” you admit the person anyway; this is logged.",
    refused_category: "Not possible: this category's quota is used up. With “beyond the limits” you admit the person anyway; this is logged.",
    waiting_list: "Congress waiting list",
    promote: "Admit from the waiting list",
    promote_override: "Beyond the limits: the full capacity or quota is raised by one; logged",
    change_category: "Change category",
    rankings: "Ranked choices",
    really_cancel: "Yes, cancel my registration",
    really_delete: "Yes, delete my registration and data for good",
    really_decline_session: "Yes, decline",
};
