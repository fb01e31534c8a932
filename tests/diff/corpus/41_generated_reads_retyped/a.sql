CREATE TABLE public.line (qty integer, price integer, total integer GENERATED ALWAYS AS (qty * price) STORED, doubled integer GENERATED ALWAYS AS (qty * 2) VIRTUAL, note text);
INSERT INTO public.line (qty, price) VALUES (2, 3);
