-- stackyard stand-in for pg_net (NOT the real extension): same tables and function signatures as
-- supabase/pg_net (sql/pg_net.sql, 0.19), but no background worker: requests are queued and never
-- sent, so webhooks and edge-function calls made from SQL do not fire locally.
create schema if not exists net;

create table if not exists net._stackyard_standin_pg_net (
  object text primary key,
  status text not null,
  note text not null
);
insert into net._stackyard_standin_pg_net (object, status, note) values
  ('net.http_get/http_post/http_delete', 'stand-in', 'queued in net.http_request_queue; no HTTP request is made'),
  ('net._http_response', 'stand-in', 'stays empty: no worker writes responses')
on conflict (object) do nothing;

create table if not exists net.http_request_queue (
    id bigserial,
    method text not null,
    url text not null,
    headers jsonb not null,
    body bytea,
    timeout_milliseconds int not null
);

create table if not exists net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out bool,
    error_msg text,
    created timestamptz not null default now()
);

create or replace function net.http_get(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds int default 5000
) returns bigint language sql volatile as $$
    insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
    values ('GET', url || coalesce('?' || nullif((select string_agg(key || '=' || value, '&') from jsonb_each_text(params)), ''), ''),
            headers, timeout_milliseconds)
    returning id;
$$;

create or replace function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds int default 5000
) returns bigint language sql volatile as $$
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('POST', url || coalesce('?' || nullif((select string_agg(key || '=' || value, '&') from jsonb_each_text(params)), ''), ''),
            headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id;
$$;

create or replace function net.http_delete(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds int default 5000,
    body jsonb default null
) returns bigint language sql volatile as $$
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('DELETE', url || coalesce('?' || nullif((select string_agg(key || '=' || value, '&') from jsonb_each_text(params)), ''), ''),
            headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id;
$$;
