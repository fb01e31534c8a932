CREATE FUNCTION public.with_tax(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN $1 * 1.2;
CREATE TABLE public.sale (id int, amount numeric(12,2), region text);
CREATE VIEW public.sale_base AS SELECT id, public.with_tax(amount) AS amount, region FROM public.sale;
CREATE VIEW public.sale_total AS SELECT region, sum(amount) AS total FROM public.sale_base GROUP BY region;
CREATE VIEW public.big_regions WITH (security_barrier = true) AS SELECT region FROM public.sale_total WHERE total > 1000;
