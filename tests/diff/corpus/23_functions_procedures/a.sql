CREATE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION public.greet(name text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'hi ' || name; END $$;
CREATE FUNCTION public.obsolete() RETURNS void LANGUAGE sql AS $$ SELECT $$;
CREATE VIEW public.sums AS SELECT public.add(1, 2) AS three;
