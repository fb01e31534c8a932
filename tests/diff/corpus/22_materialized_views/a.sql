CREATE TABLE public.hit (page text, at timestamptz);
CREATE MATERIALIZED VIEW public.page_hits AS SELECT page, count(*) AS n FROM public.hit GROUP BY page;
