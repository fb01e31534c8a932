CREATE TABLE public.author (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE public.book (id int PRIMARY KEY, author_id int REFERENCES public.author (id));
