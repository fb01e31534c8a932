-- stackyard Supabase bootstrap, section 50: realtime.
-- The publication comes from supabase/postgres init-scripts/00000000000000-initial-schema.sql
-- (`create publication supabase_realtime;`, run as postgres, so postgres owns it: project migrations
-- do `alter publication supabase_realtime add table ...` or drop and recreate it).
-- realtime.messages / realtime.topic() follow supabase/realtime's tenant migrations
-- (20240919163303 ... messages with topic/extension/payload/event/private; realtime.topic()).
-- Adapted: messages is a plain table (upstream partitions it by inserted_at); no change-streaming
-- internals (realtime.subscription, list_changes) because no Realtime server runs locally.
do $pub$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  execute 'alter publication supabase_realtime owner to postgres';
end
$pub$;

create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages enable row level security;
grant select, insert, update, delete on realtime.messages to postgres, anon, authenticated, service_role;

create or replace function realtime.topic() returns text
  language sql stable
  as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;
alter function realtime.topic() owner to supabase_realtime_admin;
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;
