CREATE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a + b + 0 $$;
CREATE FUNCTION public.greet(name text, punct text DEFAULT '!') RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'hi ' || name || punct; END $$;
CREATE PROCEDURE public.cleanup(days int) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', days; END $$;
CREATE FUNCTION public.total(VARIADIC nums int[]) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT sum(x) FROM unnest(nums) x $$;
CREATE VIEW public.sums AS SELECT public.add(1, 2) AS three;
