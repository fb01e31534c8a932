CREATE TABLE public.b (id int, note text);
