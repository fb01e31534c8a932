CREATE TABLE public.metric (id integer, name varchar(20), value real, code text, flag text, big numeric(8,2));
INSERT INTO public.metric VALUES (1, 'a', 1.5, '42', 'yes', 1.25);
CREATE VIEW public.metric_names AS SELECT name, code FROM public.metric;
