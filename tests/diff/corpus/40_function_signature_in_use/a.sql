CREATE FUNCTION public.next_code() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION public.valid_code(integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE TABLE public.voucher (code integer DEFAULT public.next_code() CHECK (public.valid_code(code)));
