CREATE DOMAIN public.code AS text CHECK (VALUE ~ '^[A-Z]+$');
CREATE TABLE public.country (c public.code PRIMARY KEY, name text);
