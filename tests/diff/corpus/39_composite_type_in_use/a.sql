CREATE TYPE public.point2 AS (x integer, y integer, label text);
CREATE TABLE public.shape (id int, origin public.point2);
INSERT INTO public.shape VALUES (1, ROW(1, 2, 'a'));
