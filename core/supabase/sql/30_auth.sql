-- stackyard Supabase bootstrap, section 30: the auth schema's tables and helpers.
-- Tables: final column lists of the GoTrue (supabase/auth) migrations, i.e. what a `pg_dump` of a
-- current Supabase project's auth schema shows (00_init_auth_schema.up.sql, ...,
-- 20240214120130_add_is_anonymous_column.up.sql, 20240612123726_enable_rls_update_grants.up.sql).
-- Helpers: bodies from 20220224000811_update_auth_functions.up.sql and
-- 20220531120530_add_auth_jwt_function.up.sql (read the legacy per-claim GUC first, then the
-- request.jwt.claims JSON that PostgREST >= 9 sets).
-- Adapted: only the tables project migrations and seeds touch; created by supabase_auth_admin, which
-- owns them upstream (its default privileges then grant postgres and dashboard_user).
set local role supabase_auth_admin;

do $types$
begin
  if to_regtype('auth.aal_level') is null then
    create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
  end if;
  if to_regtype('auth.factor_type') is null then
    create type auth.factor_type as enum ('totp', 'webauthn', 'phone');
  end if;
  if to_regtype('auth.factor_status') is null then
    create type auth.factor_status as enum ('unverified', 'verified');
  end if;
  if to_regtype('auth.code_challenge_method') is null then
    create type auth.code_challenge_method as enum ('s256', 'plain');
  end if;
  if to_regtype('auth.one_time_token_type') is null then
    create type auth.one_time_token_type as enum (
      'confirmation_token', 'reauthentication_token', 'recovery_token',
      'email_change_token_new', 'email_change_token_current', 'phone_change_token');
  end if;
end
$types$;

create table if not exists auth.users (
    instance_id uuid,
    id uuid not null,
    aud character varying(255),
    role character varying(255),
    email character varying(255),
    encrypted_password character varying(255),
    email_confirmed_at timestamp with time zone,
    invited_at timestamp with time zone,
    confirmation_token character varying(255),
    confirmation_sent_at timestamp with time zone,
    recovery_token character varying(255),
    recovery_sent_at timestamp with time zone,
    email_change_token_new character varying(255),
    email_change character varying(255),
    email_change_sent_at timestamp with time zone,
    last_sign_in_at timestamp with time zone,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    phone text default null::character varying,
    phone_confirmed_at timestamp with time zone,
    phone_change text default ''::character varying,
    phone_change_token character varying(255) default ''::character varying,
    phone_change_sent_at timestamp with time zone,
    confirmed_at timestamp with time zone generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    email_change_token_current character varying(255) default ''::character varying,
    email_change_confirm_status smallint default 0,
    banned_until timestamp with time zone,
    reauthentication_token character varying(255) default ''::character varying,
    reauthentication_sent_at timestamp with time zone,
    is_sso_user boolean default false not null,
    deleted_at timestamp with time zone,
    is_anonymous boolean default false not null,
    constraint users_pkey primary key (id),
    constraint users_phone_key unique (phone),
    constraint users_email_change_confirm_status_check
      check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2)
);
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
create index if not exists users_instance_id_idx on auth.users using btree (instance_id);
create index if not exists users_instance_id_email_idx on auth.users using btree (instance_id, lower((email)::text));
create unique index if not exists users_email_partial_key on auth.users using btree (email) where (is_sso_user = false);
create index if not exists users_is_anonymous_idx on auth.users using btree (is_anonymous);

create table if not exists auth.identities (
    provider_id text not null,
    user_id uuid not null references auth.users (id) on delete cascade,
    identity_data jsonb not null,
    provider text not null,
    last_sign_in_at timestamp with time zone,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    email text generated always as (lower((identity_data ->> 'email'::text))) stored,
    id uuid default gen_random_uuid() not null,
    constraint identities_pkey primary key (id),
    constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
comment on table auth.identities is 'Auth: Stores identities associated to a user.';
create index if not exists identities_user_id_idx on auth.identities using btree (user_id);
create index if not exists identities_email_idx on auth.identities using btree (email text_pattern_ops);

create table if not exists auth.instances (
    id uuid not null primary key,
    uuid uuid,
    raw_base_config text,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);
comment on table auth.instances is 'Auth: Manages users across multiple sites.';

create table if not exists auth.sessions (
    id uuid not null primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    factor_id uuid,
    aal auth.aal_level,
    not_after timestamp with time zone,
    refreshed_at timestamp without time zone,
    user_agent text,
    ip inet,
    tag text
);
comment on table auth.sessions is 'Auth: Stores session data associated to a user.';
create index if not exists sessions_user_id_idx on auth.sessions using btree (user_id);

create table if not exists auth.refresh_tokens (
    instance_id uuid,
    id bigserial not null primary key,
    token character varying(255),
    user_id character varying(255),
    revoked boolean,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    parent character varying(255),
    session_id uuid references auth.sessions (id) on delete cascade,
    constraint refresh_tokens_token_unique unique (token)
);
comment on table auth.refresh_tokens is 'Auth: Store of tokens used to refresh JWT tokens once they expire.';

create table if not exists auth.audit_log_entries (
    instance_id uuid,
    id uuid not null primary key,
    payload json,
    created_at timestamp with time zone,
    ip_address character varying(64) default ''::character varying not null
);
comment on table auth.audit_log_entries is 'Auth: Audit trail for user actions.';

create table if not exists auth.mfa_factors (
    id uuid not null primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    friendly_name text,
    factor_type auth.factor_type not null,
    status auth.factor_status not null,
    created_at timestamp with time zone not null,
    updated_at timestamp with time zone not null,
    secret text,
    phone text,
    last_challenged_at timestamp with time zone,
    web_authn_credential jsonb,
    web_authn_aaguid uuid
);
comment on table auth.mfa_factors is 'auth: stores metadata about factors';

create table if not exists auth.one_time_tokens (
    id uuid not null primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    token_type auth.one_time_token_type not null,
    token_hash text not null check (char_length(token_hash) > 0),
    relates_to text not null,
    created_at timestamp without time zone default now() not null,
    updated_at timestamp without time zone default now() not null
);

create table if not exists auth.schema_migrations (
    version character varying(255) not null primary key
);
comment on table auth.schema_migrations is 'Auth: Manages updates to the auth system.';

-- Upstream enables RLS on every auth table and adds no policy: API roles see nothing.
alter table auth.users enable row level security;
alter table auth.identities enable row level security;
alter table auth.instances enable row level security;
alter table auth.sessions enable row level security;
alter table auth.refresh_tokens enable row level security;
alter table auth.audit_log_entries enable row level security;
alter table auth.mfa_factors enable row level security;
alter table auth.one_time_tokens enable row level security;
alter table auth.schema_migrations enable row level security;

create or replace function auth.uid() returns uuid
    language sql stable
    as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';

create or replace function auth.role() returns text
    language sql stable
    as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';

create or replace function auth.email() returns text
    language sql stable
    as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

create or replace function auth.jwt() returns jsonb
    language sql stable
    as $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

reset role;

-- Tables created above get grants through the default privileges; make them explicit for databases
-- where auth tables already existed before the bootstrap ran.
grant all on all tables in schema auth to postgres, dashboard_user;
grant all on all sequences in schema auth to postgres, dashboard_user;
grant execute on all functions in schema auth to postgres, dashboard_user;
