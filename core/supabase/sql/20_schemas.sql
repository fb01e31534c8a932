-- stackyard Supabase bootstrap, section 20: database grants, schemas, default privileges.
-- Facts from supabase/postgres init-scripts 00000000000000-initial-schema.sql (schemas, USAGE grants,
-- default privileges on public), 00000000000003-post-setup.sql (dashboard_user, search_path),
-- migrations/db/migrate.sh (database owned by postgres), schema-16.sql (schema owners).
create schema if not exists extensions authorization postgres;
create schema if not exists auth authorization supabase_admin;
create schema if not exists storage authorization supabase_admin;
create schema if not exists realtime authorization supabase_admin;
create schema if not exists graphql authorization supabase_admin;
create schema if not exists graphql_public authorization supabase_admin;
create schema if not exists vault authorization supabase_admin;
-- so that dumps' `CREATE EXTENSION "pgsodium" WITH SCHEMA "pgsodium"` resolve (the schema must exist)
create schema if not exists pgsodium authorization supabase_admin;
create schema if not exists supabase_functions authorization supabase_admin;
create schema if not exists supabase_migrations authorization postgres;

grant usage on schema public to postgres, anon, authenticated, service_role;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant all on schema extensions to dashboard_user;
grant usage on schema auth to postgres, anon, authenticated, service_role;
grant all on schema auth to supabase_auth_admin, dashboard_user;
grant usage on schema storage to postgres, anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin with grant option;
grant all on schema storage to dashboard_user;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;
grant usage on schema graphql_public to postgres, anon, authenticated, service_role;
grant usage on schema graphql to postgres, anon, authenticated, service_role;
grant usage on schema supabase_functions to postgres, anon, authenticated, service_role;
grant all on schema supabase_functions to supabase_functions_admin;

-- What lets the API roles touch project tables at all (RLS then filters rows). Without these, every
-- query as anon/authenticated fails with 42501 (measured; see docs/supabase.md).
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on sequences to postgres, anon, authenticated, service_role;

-- Objects created by the auth service role in auth are usable by postgres (triggers and foreign keys
-- on auth.users in project migrations need this when postgres is not a superuser).
alter default privileges for role supabase_auth_admin in schema auth grant all on tables to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on sequences to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on routines to postgres, dashboard_user;

alter default privileges for role supabase_storage_admin in schema storage grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage grant all on sequences to postgres, anon, authenticated, service_role;

alter default privileges in schema extensions grant all on tables to postgres with grant option;
alter default privileges in schema extensions grant all on routines to postgres with grant option;
alter default privileges in schema extensions grant all on sequences to postgres with grant option;

alter default privileges for role supabase_admin in schema graphql_public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema graphql_public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema graphql_public grant all on sequences to postgres, anon, authenticated, service_role;
