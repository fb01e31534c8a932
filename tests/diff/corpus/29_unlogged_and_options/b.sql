CREATE UNLOGGED TABLE public.cache (k text PRIMARY KEY, v bytea) WITH (fillfactor = 90, autovacuum_enabled = false);
CREATE TABLE public.scratch (x int);
CREATE UNLOGGED TABLE public.queue (id bigint, body jsonb);
