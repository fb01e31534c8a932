CREATE TYPE public.address AS (street text, city text);
CREATE TYPE public.unused AS (a int);
CREATE TABLE public.site (id int, addr public.address);
