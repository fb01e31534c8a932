CREATE TABLE public.t (id int PRIMARY KEY, v text);
COMMENT ON TABLE public.t IS 'old comment';
COMMENT ON COLUMN public.t.v IS 'value';
CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
COMMENT ON FUNCTION public.f() IS 'gone soon';
