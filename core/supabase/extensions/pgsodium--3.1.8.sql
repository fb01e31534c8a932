-- stackyard stand-in for pgsodium (NOT the real extension): creates the roles dumps grant to and
-- the random-bytes helpers; the libsodium crypto API raises SQLSTATE SY001.
do $roles$
begin
  if not exists (select 1 from pg_roles where rolname = 'pgsodium_keyiduser') then
    create role pgsodium_keyiduser nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'pgsodium_keyholder') then
    create role pgsodium_keyholder nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'pgsodium_keymaker') then
    create role pgsodium_keymaker nologin;
  end if;
end
$roles$;

create table if not exists pgsodium._stackyard_standin_pgsodium (
  object text primary key,
  status text not null,
  note text not null
);
insert into pgsodium._stackyard_standin_pgsodium (object, status, note) values
  ('roles pgsodium_keyiduser/keyholder/keymaker', 'exact', 'created'),
  ('pgsodium.randombytes_buf(integer)', 'exact', 'pg_strong_random via gen_random_uuid()'),
  ('pgsodium.crypto_* (aead, secretbox, box, sign, ...)', 'unsupported', 'libsodium is not in this build; raise SY001')
on conflict (object) do nothing;

create or replace function pgsodium._stackyard_missing(fn text) returns void language plpgsql as $$
begin
  raise exception using
    errcode = 'SY001',
    message = format('pgsodium.%s is not available: pgsodium is a stackyard stand-in on this server', fn),
    hint = 'Use a PostgreSQL build with pgsodium (e.g. the Supabase image via the docker runtime).';
end
$$;

create or replace function pgsodium.randombytes_buf(size integer) returns bytea
language plpgsql volatile strict as $$
declare
  result bytea := ''::bytea;
  u bytea;
begin
  while length(result) < size loop
    u := uuid_send(gen_random_uuid());
    result := result || substring(u from 1 for 6) || substring(u from 8 for 1) || substring(u from 10 for 7);
  end loop;
  return substring(result from 1 for size);
end
$$;

create or replace function pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_id bigint, context bytea = 'pgsodium', nonce bytea = null)
returns bytea language plpgsql as $$ begin perform pgsodium._stackyard_missing('crypto_aead_det_encrypt()'); return null; end $$;
create or replace function pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_id bigint, context bytea = 'pgsodium', nonce bytea = null)
returns bytea language plpgsql as $$ begin perform pgsodium._stackyard_missing('crypto_aead_det_decrypt()'); return null; end $$;
create or replace function pgsodium.crypto_secretbox(message bytea, nonce bytea, key bytea)
returns bytea language plpgsql as $$ begin perform pgsodium._stackyard_missing('crypto_secretbox()'); return null; end $$;
create or replace function pgsodium.crypto_secretbox_open(ciphertext bytea, nonce bytea, key bytea)
returns bytea language plpgsql as $$ begin perform pgsodium._stackyard_missing('crypto_secretbox_open()'); return null; end $$;
