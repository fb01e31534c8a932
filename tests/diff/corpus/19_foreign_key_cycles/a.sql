CREATE TABLE public.dept (id int PRIMARY KEY, name text);
