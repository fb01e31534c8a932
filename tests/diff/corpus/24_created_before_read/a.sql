CREATE TABLE public.placeholder (id int);
