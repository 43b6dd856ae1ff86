-- 0003: grain journals (entries appended atomically with a grain's state, each of a kind) and the index that lists workloads.

create table if not exists grain_journal (
    grain_type   text        not null,
    grain_key    text        not null,
    state_name   text        not null,
    sequence     bigint      not null check (sequence > 0),
    kind         text        not null default '',
    payload      jsonb       not null,
    recorded_at  timestamptz not null default now(),
    primary key (grain_type, grain_key, state_name, sequence)
);

-- Reading one kind of entry (a wallet's transactions among its reservation entries).
create index if not exists grain_journal_by_kind on grain_journal (grain_type, grain_key, state_name, kind, sequence);

-- Listed states (IListedState, e.g. workloads by tenant, newest first): owner and order are written with a state's
-- first write only, so later writes of the state change no indexed column and can be HOT updates.
alter table grain_state add column if not exists list_owner text null;
alter table grain_state add column if not exists list_order bigint null;
create index if not exists grain_state_listed
    on grain_state (grain_type, state_name, list_owner, list_order desc, grain_key desc)
    where list_owner is not null;

-- Grain states are small JSON documents written often. Keep rows up to a page inline and uncompressed: compressing
-- every 2-8 KB state on each write was a large part of PostgreSQL's CPU under load (see docs/PERFORMANCE.md).
-- Leave room on each page so that an update can stay on its page (a HOT update, with no new index entries).
alter table grain_state set (toast_tuple_target = 8160, fillfactor = 70);
