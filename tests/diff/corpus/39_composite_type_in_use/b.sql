CREATE TYPE public.point2 AS (x bigint, y bigint);
CREATE TABLE public.shape (id int, origin public.point2);
