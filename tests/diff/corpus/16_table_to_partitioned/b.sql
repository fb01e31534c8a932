CREATE TABLE public.event (id bigint NOT NULL, at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (at);
CREATE TABLE public.event_2025 PARTITION OF public.event FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.event_2026 PARTITION OF public.event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE public.event ADD PRIMARY KEY (id, at);
CREATE VIEW public.recent_event AS SELECT id, at FROM public.event WHERE at > now() - interval '1 day';
CREATE TABLE public.audit (id int, kind text);
CREATE TABLE public.audit_a (id int, kind text);
