-- stackyard Supabase bootstrap, section 15: settings of THIS database kept in cluster-wide catalogs.
-- Facts from supabase/postgres migrations/db/migrate.sh (database owned by postgres),
-- init-scripts/00000000000003-post-setup.sql (search_path of postgres/supabase_admin, dashboard_user),
-- 00000000000002-storage-schema.sql / 00000000000003-realtime-schema.sql (CREATE on the database).
-- Adapted: search_path settings are scoped to this database (ALTER ROLE ... IN DATABASE) so that
-- other databases of a shared dev cluster are not affected.
-- CREATE DATABASE ... TEMPLATE (branches, cached templates) does NOT copy these (pg_database.datacl
-- and pg_db_role_setting are shared catalogs): re-run this section on every copy
-- (core.supabase.apply_database_settings).
do $db$
begin
  execute format('alter database %I owner to postgres', current_database());
  execute format('grant all on database %I to postgres, dashboard_user', current_database());
  execute format('grant create on database %I to supabase_realtime_admin, supabase_storage_admin', current_database());
  execute format('alter role postgres in database %I set search_path = "$user", public, extensions', current_database());
  execute format('alter role supabase_admin in database %I set search_path = "$user", public, auth, extensions', current_database());
end
$db$;
