CREATE TABLE public.hit (page text, at timestamptz, visitor text);
CREATE MATERIALIZED VIEW public.page_hits AS SELECT page, count(*) AS n, count(DISTINCT visitor) AS visitors FROM public.hit GROUP BY page;
CREATE UNIQUE INDEX page_hits_page_idx ON public.page_hits (page);
CREATE MATERIALIZED VIEW public.daily AS SELECT date_trunc('day', at) AS day, count(*) AS n FROM public.hit GROUP BY 1 WITH NO DATA;
