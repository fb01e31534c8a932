CREATE TABLE public.orders (id bigint NOT NULL, region text NOT NULL, placed date NOT NULL, PRIMARY KEY (id, region, placed)) PARTITION BY LIST (region);
CREATE TABLE public.orders_eu PARTITION OF public.orders FOR VALUES IN ('eu') PARTITION BY RANGE (placed);
CREATE TABLE public.orders_eu_2024 PARTITION OF public.orders_eu FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.orders_us PARTITION OF public.orders FOR VALUES IN ('us');
CREATE TABLE public.users (id int NOT NULL, name text) PARTITION BY HASH (id);
CREATE TABLE public.users_0 PARTITION OF public.users FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.users_1 PARTITION OF public.users FOR VALUES WITH (MODULUS 2, REMAINDER 1);
