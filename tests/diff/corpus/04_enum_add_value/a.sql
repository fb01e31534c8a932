CREATE TYPE public.status AS ENUM ('new', 'done');
CREATE TABLE public.task (id int, st public.status DEFAULT 'new');
