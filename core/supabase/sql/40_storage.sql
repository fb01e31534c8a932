-- stackyard Supabase bootstrap, section 40: the storage schema.
-- Tables and functions from the supabase/storage tenant migrations (0002-storage-schema.sql,
-- 0007-add-public-to-buckets, 0010 updated_at trigger, 0011/0012/0014 bucket limits, 0014-add-version,
-- 0017 owner_id, 0025-custom-metadata, 0038-iceberg-catalog-flag-on-buckets) in their final shape.
-- Adapted: no multipart/iceberg/vector tables and no prefix machinery; created by
-- supabase_storage_admin, which owns them upstream.
set local role supabase_storage_admin;

do $types$
begin
  if to_regtype('storage.buckettype') is null then
    create type storage.buckettype as enum ('STANDARD', 'ANALYTICS');
  end if;
end
$types$;

create table if not exists storage.migrations (
  id integer primary key,
  name varchar(100) unique not null,
  hash varchar(40) not null,
  executed_at timestamp default current_timestamp
);

create table if not exists storage.buckets (
  id text not null primary key,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text,
  type storage.buckettype not null default 'STANDARD'
);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';
create unique index if not exists bname on storage.buckets using btree (name);

create table if not exists storage.objects (
  id uuid not null default gen_random_uuid() primary key,
  bucket_id text constraint "objects_bucketId_fkey" references storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/'::text)) stored,
  version text,
  owner_id text,
  user_metadata jsonb
);
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';
create unique index if not exists bucketid_objname on storage.objects using btree (bucket_id, name);
create index if not exists name_prefix_search on storage.objects using btree (name text_pattern_ops);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
alter table storage.migrations enable row level security;

create or replace function storage.foldername(name text)
 returns text[]
 language plpgsql
as $function$
declare
_parts text[];
begin
	select string_to_array(name, '/') into _parts;
	return _parts[1:array_length(_parts,1)-1];
end
$function$;

create or replace function storage.filename(name text)
 returns text
 language plpgsql
as $function$
declare
_parts text[];
begin
	select string_to_array(name, '/') into _parts;
	return _parts[array_length(_parts,1)];
end
$function$;

create or replace function storage.extension(name text)
 returns text
 language plpgsql
as $function$
declare
_parts text[];
_filename text;
begin
	select string_to_array(name, '/') into _parts;
	select _parts[array_length(_parts,1)] into _filename;
	return reverse(split_part(reverse(_filename), '.', 1));
end
$function$;

create or replace function storage.get_size_by_bucket()
 returns table (size bigint, bucket_id text)
 language plpgsql
as $function$
begin
    return query
        select sum((metadata->>'size')::bigint) as size, obj.bucket_id
        from "storage".objects as obj
        group by obj.bucket_id;
end
$function$;

create or replace function storage.update_updated_at_column()
 returns trigger
 language plpgsql
as $function$
begin
    new.updated_at = now();
    return new;
end;
$function$;

drop trigger if exists update_objects_updated_at on storage.objects;
create trigger update_objects_updated_at before update on storage.objects
  for each row execute function storage.update_updated_at_column();

reset role;

-- Tables created above get grants through supabase_storage_admin's default privileges; repeat them
-- for databases where the storage tables existed before the bootstrap ran.
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;
grant all on storage.buckets, storage.objects to postgres with grant option;
grant all on storage.migrations to postgres, service_role;
