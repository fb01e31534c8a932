CREATE TYPE public.color AS ENUM ('red', 'green', 'blue', 'mauve');
CREATE TABLE public.paint (id int, c public.color NOT NULL DEFAULT 'red', CHECK (c <> 'mauve'));
CREATE FUNCTION public.is_red(public.color) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 = 'red' $$;
INSERT INTO public.paint VALUES (1, 'green'), (2, 'red');
