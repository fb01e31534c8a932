CREATE TABLE public.measurement (id int NOT NULL, logdate date NOT NULL, v numeric) PARTITION BY RANGE (logdate);
CREATE TABLE public.m2023 PARTITION OF public.measurement FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE public.m2024 (id int NOT NULL, logdate date NOT NULL, v numeric);
CREATE TABLE public.m2025 PARTITION OF public.measurement FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX measurement_logdate_idx ON public.measurement (logdate);
