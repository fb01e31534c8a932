CREATE TABLE public.sale (id int, amount integer, region text);
CREATE VIEW public.sale_base AS SELECT id, amount, region FROM public.sale;
CREATE VIEW public.sale_total AS SELECT region, sum(amount) AS total FROM public.sale_base GROUP BY region;
