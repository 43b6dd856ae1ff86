-- 0003: grain journals (entries appended atomically with a grain's state) and the index that lists workloads.

create table if not exists grain_journal (
    grain_type   text        not null,
    grain_key    text        not null,
    state_name   text        not null,
    sequence     bigint      not null check (sequence > 0),
    payload      jsonb       not null,
    recorded_at  timestamptz not null default now(),
    primary key (grain_type, grain_key, state_name, sequence)
);

-- GET /v1/workloads: a tenant's workloads, newest first (see Grains/Workloads/WorkloadCatalog.cs).
create index if not exists grain_state_workloads_by_tenant
    on grain_state ((payload->>'tenantId'), ((payload->>'createdAtMs')::bigint) desc, grain_key desc)
    where grain_type = 'workload' and state_name = 'workload';
