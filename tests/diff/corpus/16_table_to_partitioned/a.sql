CREATE TABLE public.event (id bigint NOT NULL, at timestamptz NOT NULL, payload jsonb);
CREATE VIEW public.recent_event AS SELECT id, at FROM public.event WHERE at > now() - interval '1 day';
CREATE TABLE public.audit (id int, kind text, PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);
CREATE TABLE public.audit_a PARTITION OF public.audit FOR VALUES IN ('a');
