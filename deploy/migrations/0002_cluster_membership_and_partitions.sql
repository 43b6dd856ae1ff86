-- 0002: cluster membership, fenced partition leases, and partitioned reminders.
-- Who owns what is decided here only: silos read and renew leases, judged by this database's clock (now()).

create table if not exists cluster_settings (
    name   text primary key,
    value  text not null
);

create table if not exists silos (
    silo_id       text        primary key,
    address       text        not null,
    started_at    timestamptz not null default now(),
    heartbeat_at  timestamptz not null default now(),
    status        text        not null check (status in ('active', 'leaving', 'left', 'dead'))
);

-- Two live silos may not advertise the same internal address.
create unique index if not exists silos_live_address on silos (address) where status in ('active', 'leaving');

create table if not exists partitions (
    partition         integer     primary key,
    owner_silo        text        null,
    epoch             bigint      not null default 0,
    lease_expires_at  timestamptz not null default '-infinity'
);

alter table reminders add column if not exists partition integer not null default 0;
create index if not exists reminders_partition on reminders (partition);
