CREATE TYPE public.address AS (street text, city text, zip varchar(10));
CREATE TYPE public.money_amount AS (amount numeric, currency char(3));
CREATE TABLE public.site (id int, addr public.address, price public.money_amount);
