CREATE TABLE public.event (id bigint NOT NULL, at timestamptz NOT NULL, payload jsonb);
CREATE VIEW public.recent_event AS SELECT id, at FROM public.event WHERE at > now() - interval '1 day';
CREATE TABLE public.audit (id int, kind text, PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);
CREATE TABLE public.audit_a PARTITION OF public.audit FOR VALUES IN ('a');
INSERT INTO public.event VALUES (1, '2025-06-01 12:00+00', '{"k": 1}'), (2, '2026-02-01 00:00+00', NULL);
INSERT INTO public.audit VALUES (1, 'a');
