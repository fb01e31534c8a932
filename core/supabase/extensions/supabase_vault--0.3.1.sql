-- stackyard stand-in for supabase_vault (NOT the real extension): the table, view and functions of
-- supabase/vault sql/supabase_vault--0.3.0.sql with the encryption removed: `secret` holds the
-- plaintext and decrypted_secrets shows it. Fine for local development, never for real secrets.
create table if not exists vault._stackyard_standin_supabase_vault (
  object text primary key,
  status text not null,
  note text not null
);
insert into vault._stackyard_standin_supabase_vault (object, status, note) values
  ('vault.secrets/decrypted_secrets/create_secret/update_secret', 'approximate', 'same API; secrets are stored in plaintext')
on conflict (object) do nothing;

create table if not exists vault.secrets (
  id uuid     primary key default gen_random_uuid(),
  name        text,
  description text not null default '',
  secret      text not null,
  key_id      uuid,
  nonce       bytea,
  created_at  timestamptz not null default current_timestamp,
  updated_at  timestamptz not null default current_timestamp
);
comment on table vault.secrets is 'stackyard stand-in: secrets are stored in plaintext (local development only).';
create unique index if not exists secrets_name_idx on vault.secrets using btree (name) where name is not null;

create or replace view vault.decrypted_secrets as
select s.id, s.name, s.description, s.secret, s.secret as decrypted_secret,
       s.key_id, s.nonce, s.created_at, s.updated_at
from vault.secrets s;

create or replace function vault.create_secret(
  new_secret text,
  new_name text = null,
  new_description text = '',
  new_key_id uuid = null
) returns uuid language sql set search_path = '' as $$
  insert into vault.secrets (secret, name, description) values (new_secret, new_name, new_description)
  returning id;
$$;

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text = null,
  new_name text = null,
  new_description text = null,
  new_key_id uuid = null
) returns void language sql set search_path = '' as $$
  update vault.secrets s
  set secret = coalesce(new_secret, s.secret),
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      updated_at = now()
  where s.id = secret_id;
$$;

do $grants$
begin
  if exists (select 1 from pg_roles where rolname = 'postgres') then
    grant usage on schema vault to postgres with grant option;
    grant select, delete on vault.secrets, vault.decrypted_secrets to postgres with grant option;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant usage on schema vault to service_role;
    grant select, delete on vault.secrets, vault.decrypted_secrets to service_role;
  end if;
end
$grants$;
