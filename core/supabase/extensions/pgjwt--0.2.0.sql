-- stackyard stand-in for pgjwt (NOT the packaged extension). Function bodies follow michelp/pgjwt
-- pgjwt--0.1.1.sql; hmac comes from the required pgcrypto (real, or stackyard's stand-in).
create table if not exists @extschema@._stackyard_standin_pgjwt (
  object text primary key,
  status text not null,
  note text not null
);
insert into @extschema@._stackyard_standin_pgjwt (object, status, note) values
  ('sign/verify/url_encode/url_decode/algorithm_sign', 'exact', 'HS256/HS384/HS512 through pgcrypto hmac()')
on conflict (object) do nothing;

create or replace function @extschema@.url_encode(data bytea) returns text language sql as $$
    select translate(encode(data, 'base64'), E'+/=\n', '-_');
$$ immutable;

create or replace function @extschema@.url_decode(data text) returns bytea language sql as $$
with t as (select translate(data, '-_', '+/') as trans),
     rem as (select length(t.trans) % 4 as remainder from t)
    select decode(
        t.trans ||
        case when rem.remainder > 0
           then repeat('=', (4 - rem.remainder))
           else '' end,
    'base64') from t, rem;
$$ immutable;

create or replace function @extschema@.algorithm_sign(signables text, secret text, algorithm text)
returns text language sql as $$
with
  alg as (
    select case
      when algorithm = 'HS256' then 'sha256'
      when algorithm = 'HS384' then 'sha384'
      when algorithm = 'HS512' then 'sha512'
      else '' end as id)
select @extschema@.url_encode(@extschema:pgcrypto@.hmac(signables, secret, alg.id)) from alg;
$$ immutable;

create or replace function @extschema@.sign(payload json, secret text, algorithm text default 'HS256')
returns text language sql as $$
with
  header as (
    select @extschema@.url_encode(convert_to('{"alg":"' || algorithm || '","typ":"JWT"}', 'utf8')) as data
    ),
  payload as (
    select @extschema@.url_encode(convert_to(payload::text, 'utf8')) as data
    ),
  signables as (
    select header.data || '.' || payload.data as data from header, payload
    )
select
    signables.data || '.' ||
    @extschema@.algorithm_sign(signables.data, secret, algorithm) from signables;
$$ immutable;

create or replace function @extschema@.verify(token text, secret text, algorithm text default 'HS256')
returns table(header json, payload json, valid boolean) language sql as $$
  select
    convert_from(@extschema@.url_decode(r[1]), 'utf8')::json as header,
    convert_from(@extschema@.url_decode(r[2]), 'utf8')::json as payload,
    r[3] = @extschema@.algorithm_sign(r[1] || '.' || r[2], secret, algorithm) as valid
  from regexp_split_to_array(token, '\.') r;
$$ immutable;
