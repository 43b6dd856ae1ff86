-- 0006: the ledger grain storage (Orleans storage provider "ledger", Silo/Storage/PostgresLedgerStorage.cs) and the
-- cluster's identity. Applied once, in one transaction, by the silo's SchemaMigrator (Silo/Storage/SchemaMigrator.cs)
-- after Orleans' own scripts (deploy/migrations/orleans, versions below 6).

-- Grain state: one row per (grain type, key, state name); version is the etag. Every write is one conditional
-- statement (insert if absent, or update where version = the writer's etag).
create table ledger_state (
    grain_type  text        not null,
    grain_key   text        not null,
    state_name  text        not null,
    payload     jsonb       not null,
    version     bigint      not null check (version > 0),
    -- Listed states (IListedState, e.g. workloads by tenant, newest first): written with a state's first write only,
    -- so later writes of the state change no indexed column and can be HOT updates.
    list_owner  text        null,
    list_order  bigint      null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (grain_type, grain_key, state_name)
)
-- Grain states are small JSON documents written often. Keep rows up to a page inline and uncompressed: compressing
-- every 2-8 KB state on each write was a large part of PostgreSQL's CPU under load (see docs/PERFORMANCE.md).
-- Leave room on each page so that an update can stay on its page (a HOT update, with no new index entries).
with (toast_tuple_target = 8160, fillfactor = 70);

create index ledger_state_listed
    on ledger_state (grain_type, state_name, list_owner, list_order desc, grain_key desc)
    where list_owner is not null;

-- Journals: entries appended by the same statement as their state's write, numbered 1, 2, ... per grain and state;
-- never changed or removed (they outlive a cleared state).
create table ledger_journal (
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
create index ledger_journal_by_kind on ledger_journal (grain_type, grain_key, state_name, kind, sequence);

-- Which Orleans cluster this database belongs to: recorded by the first silo, checked by every later one, so two
-- clusters never share one database by mistake.
create table arbitrage_cluster (
    singleton   boolean     primary key default true check (singleton),
    cluster_id  text        not null,
    service_id  text        not null,
    created_at  timestamptz not null default now()
);
