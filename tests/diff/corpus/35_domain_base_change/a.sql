CREATE DOMAIN public.code AS varchar(5) CHECK (VALUE ~ '^[A-Z]+$');
CREATE TABLE public.country (c public.code PRIMARY KEY, name text);
INSERT INTO public.country VALUES ('FR', 'France');
