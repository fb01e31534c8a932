SET check_function_bodies = false;
CREATE FUNCTION public.active_users() RETURNS SETOF bigint LANGUAGE sql STABLE AS $$ SELECT id FROM public.app_user WHERE active $$;
CREATE FUNCTION public.user_count() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM public.app_user); END $$;
CREATE TABLE public.app_user (id bigint PRIMARY KEY, active boolean DEFAULT true, name text);
CREATE FUNCTION public.user_name(uid bigint) RETURNS text LANGUAGE sql STABLE BEGIN ATOMIC SELECT name FROM public.app_user WHERE id = uid; END;
CREATE VIEW public.zz_first AS SELECT id FROM public.app_user;
CREATE VIEW public.aa_second AS SELECT id, public.user_name(id) AS name FROM public.zz_first;
CREATE TABLE public.placeholder (id int);
