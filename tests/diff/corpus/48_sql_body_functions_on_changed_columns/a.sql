CREATE TABLE public.ledger (id int, amount int, memo text);
CREATE FUNCTION public.total() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(amount) FROM public.ledger; END;
CREATE FUNCTION public.memos() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(memo) FROM public.ledger; END;
CREATE FUNCTION public.doubled(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x * 2;
CREATE VIEW public.ledger_total AS SELECT public.total() AS t;
