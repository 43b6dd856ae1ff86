-- 0001: grain state and durable reminders.
-- Applied once by the silo at start-up (see Runtime/Postgres/PostgresMigrator.cs); safe to re-run.

create table if not exists grain_state (
    grain_type  text        not null,
    grain_key   text        not null,
    state_name  text        not null,
    payload     jsonb       not null,
    version     bigint      not null check (version > 0),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (grain_type, grain_key, state_name)
);

create table if not exists reminders (
    grain_type     text        not null,
    grain_key      text        not null,
    reminder_name  text        not null,
    start_at       timestamptz not null,
    period_ms      bigint      not null check (period_ms > 0),
    last_fired_at  timestamptz null,
    version        bigint      not null default 1,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    primary key (grain_type, grain_key, reminder_name)
);
