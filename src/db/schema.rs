// @generated from migrations/ (the diesel print-schema shape; kept by hand in step with both
// backends' migrations, which tests/schema checks).
diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    organizers (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        session_epoch -> BigInt,
    }
}

diesel::table! {
    congresses (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        subtitle -> Text,
        description -> Text,
        venue_name -> Text,
        venue_address -> Text,
        time_zone -> Text,
        first_day -> Date,
        last_day -> Date,
        languages -> Text,
        registration_opens_at -> Nullable<Timestamp>,
        registration_closes_at -> Nullable<Timestamp>,
        capacity -> Nullable<Integer>,
        confirmed_count -> Integer,
        status -> Text,
        guid -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retention_days -> Integer,
    }
}

diesel::table! {
    congress_days (id) {
        id -> BigInt,
        congress_id -> BigInt,
        day -> Date,
        label -> Text,
        label_en -> Text,
    }
}

diesel::table! {
    congress_roles (organizer_id, congress_id) {
        organizer_id -> BigInt,
        congress_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rooms (id) {
        id -> BigInt,
        congress_id -> BigInt,
        name -> Text,
        capacity -> Nullable<Integer>,
        accessibility_note -> Text,
        position -> Integer,
        guid -> Text,
    }
}

diesel::table! {
    tracks (id) {
        id -> BigInt,
        congress_id -> BigInt,
        name -> Text,
        colour -> Text,
        position -> Integer,
    }
}

diesel::table! {
    slot_groups (id) {
        id -> BigInt,
        congress_id -> BigInt,
        name -> Text,
        allocation_mode -> Text,
        rank_depth -> Integer,
        preference_deadline -> Nullable<Timestamp>,
        allocation_seed -> Nullable<BigInt>,
        allocated_at -> Nullable<Timestamp>,
        day -> Nullable<Date>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        congress_id -> BigInt,
        guid -> Text,
        title -> Text,
        subtitle -> Text,
        #[sql_name = "abstract"]
        abstract_ -> Text,
        description -> Text,
        kind -> Text,
        language -> Text,
        track_id -> Nullable<BigInt>,
        room_id -> Nullable<BigInt>,
        slot_group_id -> Nullable<BigInt>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        status -> Text,
        capacity -> Nullable<Integer>,
        enrolled_count -> Integer,
        waitlisted_count -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    speakers (id) {
        id -> BigInt,
        congress_id -> BigInt,
        guid -> Text,
        name -> Text,
        organization -> Text,
        position -> Text,
        bio -> Text,
        email -> Nullable<Text>,
        last_seen_version -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    speaker_links (id) {
        id -> BigInt,
        speaker_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_opened_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    session_speakers (session_id, speaker_id) {
        session_id -> BigInt,
        speaker_id -> BigInt,
        role -> Text,
        position -> Integer,
        confirmation -> Text,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        congress_id -> BigInt,
        name -> Text,
        quota -> Nullable<Integer>,
        confirmed_count -> Integer,
        needs_approval -> Bool,
        priority -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        congress_id -> BigInt,
        label -> Text,
        kind -> Text,
        options -> Text,
        required -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    registrations (id) {
        id -> BigInt,
        congress_id -> BigInt,
        category_id -> BigInt,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        organization -> Text,
        position -> Text,
        days_attending -> Text,
        dietary_needs -> Text,
        accessibility_needs -> Text,
        language -> Text,
        consent_privacy_at -> Timestamp,
        consent_public_listing -> Bool,
        status -> Text,
        manage_token_hash -> Text,
        confirm_token_hash -> Nullable<Text>,
        confirm_expires_at -> Nullable<Timestamp>,
        checkin_token_hash -> Text,
        checked_in_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        state_version -> BigInt,
        anonymised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    answers (registration_id, question_id) {
        registration_id -> BigInt,
        question_id -> BigInt,
        value -> Text,
    }
}

diesel::table! {
    enrollments (id) {
        id -> BigInt,
        registration_id -> BigInt,
        session_id -> BigInt,
        status -> Text,
        position -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        state_version -> BigInt,
        swap_from -> Nullable<BigInt>,
    }
}

diesel::table! {
    preferences (registration_id, slot_group_id, rank) {
        registration_id -> BigInt,
        slot_group_id -> BigInt,
        session_id -> BigInt,
        rank -> Integer,
    }
}

diesel::table! {
    schedule_versions (id) {
        id -> BigInt,
        congress_id -> BigInt,
        number -> Integer,
        published_at -> Timestamp,
        published_by -> Nullable<BigInt>,
        changelog -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        congress_id -> Nullable<BigInt>,
        kind -> Text,
        idempotency_key -> Text,
        message_id -> Text,
        recipient -> Text,
        language -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        attachments -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox_attempts (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        attempted_at -> Timestamp,
        succeeded -> Bool,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        congress_id -> Nullable<BigInt>,
        organizer_id -> Nullable<BigInt>,
        actor -> Text,
        kind -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        before_value -> Nullable<Text>,
        after_value -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        congress_id -> BigInt,
        organizer_id -> Nullable<BigInt>,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        read_only -> Bool,
    }
}

diesel::table! {
    rate_limits (bucket) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::joinable!(congress_days -> congresses (congress_id));
diesel::joinable!(congress_roles -> organizers (organizer_id));
diesel::joinable!(congress_roles -> congresses (congress_id));
diesel::joinable!(rooms -> congresses (congress_id));
diesel::joinable!(tracks -> congresses (congress_id));
diesel::joinable!(slot_groups -> congresses (congress_id));
diesel::joinable!(sessions -> congresses (congress_id));
diesel::joinable!(sessions -> tracks (track_id));
diesel::joinable!(sessions -> rooms (room_id));
diesel::joinable!(sessions -> slot_groups (slot_group_id));
diesel::joinable!(speakers -> congresses (congress_id));
diesel::joinable!(speaker_links -> speakers (speaker_id));
diesel::joinable!(session_speakers -> sessions (session_id));
diesel::joinable!(session_speakers -> speakers (speaker_id));
diesel::joinable!(categories -> congresses (congress_id));
diesel::joinable!(questions -> congresses (congress_id));
diesel::joinable!(registrations -> congresses (congress_id));
diesel::joinable!(registrations -> categories (category_id));
diesel::joinable!(answers -> registrations (registration_id));
diesel::joinable!(answers -> questions (question_id));
diesel::joinable!(enrollments -> registrations (registration_id));
diesel::joinable!(enrollments -> sessions (session_id));
diesel::joinable!(preferences -> registrations (registration_id));
diesel::joinable!(preferences -> slot_groups (slot_group_id));
diesel::joinable!(preferences -> sessions (session_id));
diesel::joinable!(schedule_versions -> congresses (congress_id));
diesel::joinable!(schedule_versions -> organizers (published_by));
diesel::joinable!(outbox -> congresses (congress_id));
diesel::joinable!(outbox_attempts -> outbox (outbox_id));
diesel::joinable!(audit_log -> congresses (congress_id));
diesel::joinable!(audit_log -> organizers (organizer_id));
diesel::joinable!(api_tokens -> congresses (congress_id));
diesel::joinable!(api_tokens -> organizers (organizer_id));

diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    organizers,
    congresses,
    congress_days,
    congress_roles,
    rooms,
    tracks,
    slot_groups,
    sessions,
    speakers,
    speaker_links,
    session_speakers,
    categories,
    questions,
    registrations,
    answers,
    enrollments,
    preferences,
    schedule_versions,
    outbox,
    outbox_attempts,
    audit_log,
    api_tokens,
    rate_limits,
);
