CREATE TABLE public.author (id int NOT NULL, email text PRIMARY KEY);
ALTER TABLE public.author ADD CONSTRAINT author_id_key UNIQUE (id);
CREATE TABLE public.book (id int PRIMARY KEY, author_id int REFERENCES public.author (id) ON DELETE SET NULL);
