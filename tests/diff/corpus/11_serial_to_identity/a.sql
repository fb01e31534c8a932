CREATE TABLE public.account (id serial PRIMARY KEY, name text);
CREATE TABLE public.legacy (id bigint GENERATED ALWAYS AS IDENTITY, v text);
INSERT INTO public.account (name) VALUES ('a'), ('b');
