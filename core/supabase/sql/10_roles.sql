-- stackyard Supabase bootstrap, section 10: roles (cluster-wide, created only when missing).
-- Facts from supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql,
-- 00000000000001-auth-schema.sql, 00000000000002-storage-schema.sql, 00000000000003-post-setup.sql,
-- 00000000000003-realtime-schema.sql and migrations 20230529180330_alter_api_roles_for_inherit,
-- 20221103090837_revoke_admin, 20231013070755_grant_authenticator_to_supabase_storage_admin.
-- Adapted: the cluster's bootstrap superuser stays what it is (the embedded server's initdb user is
-- postgres, a superuser), no passwords are set, and a missing postgres role is created demoted.
do $roles$
declare
  r record;
begin
  for r in
    select * from (values
      -- name, attributes
      ('postgres',                  'NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS'),
      ('supabase_admin',            'SUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS'),
      ('anon',                      'NOLOGIN INHERIT'),
      ('authenticated',             'NOLOGIN INHERIT'),
      ('service_role',              'NOLOGIN INHERIT BYPASSRLS'),
      ('authenticator',             'LOGIN NOINHERIT'),
      ('supabase_auth_admin',       'LOGIN NOINHERIT CREATEROLE NOREPLICATION'),
      ('supabase_storage_admin',    'LOGIN NOINHERIT CREATEROLE NOREPLICATION'),
      ('supabase_realtime_admin',   'NOLOGIN NOINHERIT'),
      ('supabase_functions_admin',  'LOGIN NOINHERIT CREATEROLE NOREPLICATION'),
      ('supabase_replication_admin','LOGIN REPLICATION'),
      ('supabase_read_only_user',   'LOGIN BYPASSRLS'),
      ('dashboard_user',            'NOSUPERUSER CREATEDB CREATEROLE REPLICATION'),
      ('pgbouncer',                 'LOGIN')
    ) as t(name, attrs)
  loop
    if not exists (select 1 from pg_roles where rolname = r.name) then
      execute format('create role %I with %s', r.name, r.attrs);
    end if;
  end loop;
end
$roles$;

-- Memberships (GRANT of an existing membership is a no-op notice, so this re-runs cleanly).
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant anon, authenticated, service_role to supabase_realtime_admin;
grant authenticator to supabase_storage_admin;
grant pg_read_all_data to supabase_read_only_user;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;

-- Role settings as upstream. They only apply to sessions opened after this point.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = 60000;
alter role supabase_storage_admin set search_path = storage;
alter role supabase_admin set search_path = "$user", public, auth, extensions;
