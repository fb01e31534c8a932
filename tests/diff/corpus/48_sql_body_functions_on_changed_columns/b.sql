CREATE TABLE public.ledger (id int, amount bigint);
CREATE FUNCTION public.total() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(amount) FROM public.ledger; END;
CREATE FUNCTION public.memos() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM public.ledger; END;
CREATE FUNCTION public.doubled(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x * 3;
CREATE VIEW public.ledger_total AS SELECT public.total() AS t;
