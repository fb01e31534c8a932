CREATE TABLE public.line (qty bigint, price integer, total bigint GENERATED ALWAYS AS (qty * price) STORED, doubled bigint GENERATED ALWAYS AS (qty * 2) VIRTUAL, note text);
