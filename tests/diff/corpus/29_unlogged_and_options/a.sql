CREATE TABLE public.cache (k text PRIMARY KEY, v bytea) WITH (fillfactor = 70);
CREATE UNLOGGED TABLE public.scratch (x int);
