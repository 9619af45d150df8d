-- The whole kongress schema (SPEC §2). Portable types only: the PostgreSQL twin of this file
-- differs in the id columns alone (INTEGER PRIMARY KEY -> BIGINT identity).
-- Instants are TIMESTAMP in UTC; calendar days are DATE; enums are TEXT with CHECKs.

CREATE TABLE app_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE organizers (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

CREATE TABLE congresses (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    subtitle TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    venue_name TEXT NOT NULL DEFAULT '',
    venue_address TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL,
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    languages TEXT NOT NULL DEFAULT 'de',
    registration_opens_at TIMESTAMP,
    registration_closes_at TIMESTAMP,
    capacity INTEGER,
    confirmed_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'draft',
    guid TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status IN ('draft', 'published', 'archived')),
    CHECK (last_day >= first_day),
    CHECK (capacity IS NULL OR capacity >= 0),
    CHECK (confirmed_count >= 0 AND (capacity IS NULL OR confirmed_count <= capacity))
);

CREATE TABLE congress_days (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    label_en TEXT NOT NULL DEFAULT '',
    UNIQUE (congress_id, day)
);

CREATE TABLE congress_roles (
    organizer_id BIGINT NOT NULL REFERENCES organizers (id) ON DELETE CASCADE,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organizer_id, congress_id),
    CHECK (role IN ('owner', 'editor', 'checkin'))
);
CREATE INDEX congress_roles_congress ON congress_roles (congress_id);

CREATE TABLE rooms (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    capacity INTEGER,
    accessibility_note TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    guid TEXT NOT NULL UNIQUE,
    UNIQUE (congress_id, name),
    CHECK (capacity IS NULL OR capacity >= 0)
);

CREATE TABLE tracks (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    colour TEXT NOT NULL DEFAULT '#2f5d8a',
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (congress_id, name)
);

CREATE TABLE slot_groups (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    allocation_mode TEXT NOT NULL DEFAULT 'fcfs',
    rank_depth INTEGER NOT NULL DEFAULT 3,
    preference_deadline TIMESTAMP,
    allocation_seed BIGINT,
    allocated_at TIMESTAMP,
    UNIQUE (congress_id, name),
    CHECK (allocation_mode IN ('fcfs', 'ranked')),
    CHECK (rank_depth BETWEEN 1 AND 20)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    guid TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    subtitle TEXT NOT NULL DEFAULT '',
    abstract TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'talk',
    language TEXT NOT NULL DEFAULT 'de',
    track_id BIGINT REFERENCES tracks (id) ON DELETE SET NULL,
    room_id BIGINT REFERENCES rooms (id) ON DELETE SET NULL,
    slot_group_id BIGINT REFERENCES slot_groups (id) ON DELETE SET NULL,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    status TEXT NOT NULL DEFAULT 'draft',
    capacity INTEGER,
    enrolled_count INTEGER NOT NULL DEFAULT 0,
    waitlisted_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (kind IN ('keynote', 'talk', 'panel', 'workshop', 'break', 'social', 'other')),
    CHECK (status IN ('draft', 'scheduled', 'cancelled')),
    CHECK ((starts_at IS NULL) = (ends_at IS NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK (status <> 'scheduled' OR starts_at IS NOT NULL),
    CHECK (capacity IS NULL OR capacity >= 0),
    CHECK (enrolled_count >= 0 AND waitlisted_count >= 0),
    CHECK (capacity IS NULL OR enrolled_count <= capacity)
);
CREATE INDEX sessions_congress_start ON sessions (congress_id, starts_at);
CREATE INDEX sessions_room_start ON sessions (room_id, starts_at);

CREATE TABLE speakers (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    guid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    email TEXT,
    last_seen_version INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX speakers_congress ON speakers (congress_id);
CREATE INDEX speakers_email ON speakers (email);

CREATE TABLE speaker_links (
    id INTEGER PRIMARY KEY NOT NULL,
    speaker_id BIGINT NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    last_opened_at TIMESTAMP
);
CREATE INDEX speaker_links_speaker ON speaker_links (speaker_id);

CREATE TABLE session_speakers (
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    speaker_id BIGINT NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'speaker',
    position INTEGER NOT NULL DEFAULT 0,
    confirmation TEXT NOT NULL DEFAULT 'unconfirmed',
    PRIMARY KEY (session_id, speaker_id),
    CHECK (role IN ('speaker', 'moderator', 'panelist')),
    CHECK (confirmation IN ('unconfirmed', 'confirmed', 'declined'))
);
CREATE INDEX session_speakers_speaker ON session_speakers (speaker_id);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    quota INTEGER,
    confirmed_count INTEGER NOT NULL DEFAULT 0,
    needs_approval BOOLEAN NOT NULL DEFAULT FALSE,
    priority INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (congress_id, name),
    CHECK (quota IS NULL OR quota >= 0),
    CHECK (confirmed_count >= 0 AND (quota IS NULL OR confirmed_count <= quota))
);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    required BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL DEFAULT 0,
    CHECK (kind IN ('short_text', 'long_text', 'single_choice', 'multiple_choice', 'checkbox'))
);
CREATE INDEX questions_congress ON questions (congress_id, position);

CREATE TABLE registrations (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    days_attending TEXT NOT NULL DEFAULT '',
    dietary_needs TEXT NOT NULL DEFAULT '',
    accessibility_needs TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'de',
    consent_privacy_at TIMESTAMP NOT NULL,
    consent_public_listing BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'pending',
    manage_token_hash TEXT NOT NULL UNIQUE,
    confirm_token_hash TEXT UNIQUE,
    confirm_expires_at TIMESTAMP,
    checkin_token_hash TEXT NOT NULL UNIQUE,
    checked_in_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (congress_id, email),
    CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'awaiting_approval', 'cancelled', 'expired'))
);
CREATE INDEX registrations_congress_status ON registrations (congress_id, status);
CREATE INDEX registrations_category ON registrations (category_id);
CREATE INDEX registrations_pending_expiry ON registrations (status, confirm_expires_at);

CREATE TABLE answers (
    registration_id BIGINT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    PRIMARY KEY (registration_id, question_id)
);

CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY NOT NULL,
    registration_id BIGINT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (registration_id, session_id),
    CHECK (status IN ('enrolled', 'waitlisted', 'cancelled'))
);
CREATE INDEX enrollments_session_status ON enrollments (session_id, status, position);

CREATE TABLE preferences (
    registration_id BIGINT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    slot_group_id BIGINT NOT NULL REFERENCES slot_groups (id) ON DELETE CASCADE,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    PRIMARY KEY (registration_id, slot_group_id, rank),
    UNIQUE (registration_id, session_id),
    CHECK (rank >= 1)
);

CREATE TABLE schedule_versions (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by BIGINT REFERENCES organizers (id) ON DELETE SET NULL,
    changelog TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (congress_id, number),
    CHECK (number >= 1)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT REFERENCES congresses (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'de',
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_at TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK (status IN ('pending', 'sending', 'sent', 'failed'))
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    succeeded BOOLEAN NOT NULL,
    error TEXT
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (outbox_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT REFERENCES congresses (id) ON DELETE CASCADE,
    organizer_id BIGINT REFERENCES organizers (id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    before_value TEXT,
    after_value TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_congress ON audit_log (congress_id, created_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    congress_id BIGINT NOT NULL REFERENCES congresses (id) ON DELETE CASCADE,
    organizer_id BIGINT REFERENCES organizers (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL
);
