CREATE TYPE public.color AS ENUM ('blue', 'green', 'red');
CREATE TABLE public.paint (id int, c public.color NOT NULL DEFAULT 'red', CHECK (c <> 'blue'));
CREATE FUNCTION public.is_red(public.color) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 = 'red' $$;
