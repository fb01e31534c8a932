CREATE TABLE public.metric (id bigint, name varchar(50), value double precision, code integer, flag boolean, big numeric(6,1));
CREATE VIEW public.metric_names AS SELECT name, code FROM public.metric;
