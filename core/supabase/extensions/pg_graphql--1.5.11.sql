-- stackyard stand-in for pg_graphql (NOT the real extension): the entry points exist so that
-- migrations and dumps that create the extension apply; calling them raises SQLSTATE SY001.
create table if not exists graphql._stackyard_standin_pg_graphql (
  object text primary key,
  status text not null,
  note text not null
);
insert into graphql._stackyard_standin_pg_graphql (object, status, note) values
  ('graphql.resolve()', 'unsupported', 'raises SY001: pg_graphql is a Rust extension not in this build')
on conflict (object) do nothing;

create or replace function graphql.resolve(
  query text,
  variables jsonb default '{}',
  "operationName" text default null,
  extensions jsonb default null
) returns jsonb language plpgsql as $$
begin
  raise exception using
    errcode = 'SY001',
    message = 'graphql.resolve() is not available: pg_graphql is a stackyard stand-in on this server',
    hint = 'Use a PostgreSQL build with pg_graphql (e.g. the Supabase image via the docker runtime) to run GraphQL queries.';
end
$$;

create or replace function graphql.comment_directive(comment_ text) returns jsonb
language sql immutable as $$
  select case when comment_ like '@graphql(%)' then substring(comment_ from 10 for length(comment_) - 10)::jsonb end
$$;
